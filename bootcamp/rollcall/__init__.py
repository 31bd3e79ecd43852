"""The roll call of a half-day (trainer) and learners' own signatures with the half-day's code."""
