"""The pages of attendance."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
