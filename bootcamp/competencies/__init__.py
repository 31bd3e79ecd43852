"""Competency checklists: the grid of a cohort and each learner's history."""
