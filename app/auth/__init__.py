"""Accounts, roles, sessions and personal access tokens."""
