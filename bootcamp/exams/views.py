"""The pages of bootcamp.exams."""

from flask import Blueprint

bp = Blueprint("exams", __name__)
