"""The audit log, read-only: who changed what, when, before and after."""

from flask import Blueprint

bp = Blueprint("auditlog", __name__)

from . import views  # noqa: E402,F401  (routes register on bp)
