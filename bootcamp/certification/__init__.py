"""The titre professionnel (issue 16): exam sessions and their results, the derived certification of each
enrolment (results.py, the one definition), who is ready (readiness.py), the results import."""
