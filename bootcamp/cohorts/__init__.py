"""Cohorts (« promotions »): the trainer's and the manager's way in."""
