"""The learner's own pages."""

from flask import Blueprint

bp = Blueprint("learners", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
