"""The pages of rollcall."""

from flask import Blueprint

bp = Blueprint("rollcall", __name__)
