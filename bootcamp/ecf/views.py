"""The pages of bootcamp.ecf."""

from flask import Blueprint

bp = Blueprint("ecf", __name__)
