"""Projects (briefs): creating them and grading them for a whole cohort."""

from flask import Blueprint

bp = Blueprint("projects", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
