"""A published programme's figures as open data: JSON (with its schema) and CSV, under the page's licence."""

from flask import Blueprint

bp = Blueprint("public_data", __name__)
