"""The pages of timetable."""

from flask import Blueprint

bp = Blueprint("timetable", __name__)
