"""Absences: reasons, justifications and their proofs (files kept in the database)."""
