"""The pages of absences."""

from flask import Blueprint

bp = Blueprint("absences", __name__)
