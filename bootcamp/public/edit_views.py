"""Managers write, preview and publish the programmes' public pages."""

from flask import Blueprint

bp = Blueprint("public_pages", __name__)
