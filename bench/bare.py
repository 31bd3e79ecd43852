"""The floor of `make bench`: a bare Flask app that answers « ok », served by the same gunicorn as the app.

`gunicorn -c gunicorn.conf.py bench.bare:app`: what Flask and gunicorn cost alone, with none of the app's
middleware (session, user, headers, compression), so that every page is compared with the framework itself.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}
