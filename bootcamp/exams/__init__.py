"""Exam sessions of the titre professionnel: sessions, candidates, per-block results, resits."""
