"""Follow-up of leavers: the queue of follow-ups to record, and recording a situation."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
