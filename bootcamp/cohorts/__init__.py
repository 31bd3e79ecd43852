"""Cohorts (« promotions »): the trainer's and the manager's way in."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

from . import views  # noqa: E402,F401  (routes register on bp)
