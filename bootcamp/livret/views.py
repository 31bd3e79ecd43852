"""The pages of bootcamp.livret."""

from flask import Blueprint

bp = Blueprint("livret", __name__)
