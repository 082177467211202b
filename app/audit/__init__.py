"""The append-only audit log of privileged and security-relevant actions."""
