"""The pages of bootcamp.readiness."""

from flask import Blueprint

bp = Blueprint("readiness", __name__)
