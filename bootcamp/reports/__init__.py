"""Reports for managers and funders: the insertion dashboard and its exports."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
