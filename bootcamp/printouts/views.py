"""The pages of printouts."""

from flask import Blueprint

bp = Blueprint("printouts", __name__)
