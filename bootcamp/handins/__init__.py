"""Learners hand in their work on a brief (links and a comment, as many versions as they like, all kept), and the
status each learner has on each brief is derived from the versions, the due date and the trainer's exemption
(status.py): the roster, the « à surveiller » rule, the learner's page and the grading form all read it."""
