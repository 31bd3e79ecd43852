"""WSGI entry point: `gunicorn wsgi:app`, and `flask ...` from the project root."""

from bootcamp import create_app

app = create_app()
