"""The learner's own pages."""
