"""LTI 1.3 Advantage tool (issue 20): platform registrations and the tool's keys (so far)."""
