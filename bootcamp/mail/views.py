"""/admin/outbox: every message the app wrote, for admins (sent, waiting, given up), readable without SMTP."""

from flask import Blueprint

bp = Blueprint("mail", __name__)
