"""Certificates: completion, issuing and Open Badges 3.0 credentials."""
