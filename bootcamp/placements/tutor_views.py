"""The tutor's form, opened from the emailed one-time link (tutors have no account)."""

from flask import Blueprint

from ..tokens import redact_werkzeug_log

bp = Blueprint("tutor", __name__)
bp.record_once(lambda _state: redact_werkzeug_log())  # the development server's request log
