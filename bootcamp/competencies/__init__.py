"""Competency checklists: the grid of a cohort and each learner's history."""

from flask import Blueprint

bp = Blueprint("competencies", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
