"""Placements: the cohort's list, a placement's page and form, its agreement; the learner's own placement."""

from flask import Blueprint

bp = Blueprint("placements", __name__)
