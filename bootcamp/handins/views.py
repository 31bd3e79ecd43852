"""Handing in a brief (the learner), and the versions of a brief's hand-ins (the cohort's trainers, managers)."""

from flask import Blueprint

bp = Blueprint("handins", __name__)
