"""The public pages, for anyone without a login: /p/ (the published programmes), a programme's page and its sites'
variants, and the fragment other websites embed."""

from flask import Blueprint

bp = Blueprint("public", __name__)
