"""Logging in and out, and sending each role to its home."""
