"""Accounts, for admins."""
