"""The audit log, read-only: who changed what, when, before and after."""
