"""Third-party front-end code served by the app itself (no CDN): Plotly.js from the plotly package."""

from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, Response, current_app, send_file, url_for

bp = Blueprint("assets", __name__)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@cache
def _plotly_version() -> str:
    return plotly.__version__


def plotly_url() -> str:
    """The URL of Plotly.js, versioned so browsers can keep it for a year."""
    return url_for("assets.plotly_js", v=_plotly_version())


@bp.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """Plotly.js as shipped in the installed plotly package."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=current_app.config["SEND_FILE_MAX_AGE_DEFAULT"])
