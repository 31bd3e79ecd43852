"""The learner's follow-up page, opened from their personal link (no account), and the unsubscribe page."""

from flask import Blueprint

bp = Blueprint("followups", __name__)
