"""Satisfaction questionnaires: the managers' campaigns and statements, the anonymous answer page (personal link)."""

from flask import Blueprint

bp = Blueprint("satisfaction", __name__)
