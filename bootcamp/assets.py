"""Third-party front-end code served by the app itself (no CDN): Plotly.js.

The partial bundle `plotly.js-basic-dist-min` (scatter, bar and pie: all our charts use) is installed from
the npm registry by `make install` when npm is there; without it, the full bundle of the plotly Python
package is served instead. Either is compressed once per worker and kept in memory: its URL carries a hash
of its content, so browsers keep it for a year.
"""

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import brotli
import plotly
from flask import Blueprint, Response, current_app, request, url_for

bp = Blueprint("assets", __name__)

PARTIAL_PLOTLY_JS = Path(__file__).resolve().parent.parent / "node_modules/plotly.js-basic-dist-min/plotly-basic.min.js"
FULL_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


# Plotly.js writes its own stylesheet into a <style> element, which our CSP (style-src 'self') refuses. It
# leaves that alone when the page holds an element with id "plotly.js-style-global" and the class
# "no-inline-styles": the page links /vendor/plotly.css so, which holds the very rules the bundle would have
# inserted, read from the bundle itself (object {"X,X div": "...", ...}; X and Y stand for two selectors).
_RULES = re.compile(rb"""({"X,X div":.*?})\s*;\s*for\(""", re.DOTALL)
_RULE = re.compile(rb"""("[^"]*"|[A-Z]):('[^']*'|"[^"]*")""")
# The full bundle also carries MapLibre, whose stylesheet is written into a <style> element unless the page
# already holds an element with its id (a hash): the page holds one, empty (we draw no maps).
_GUARDED_STYLE = re.compile(rb"""getElementById\("([0-9a-f]{64})"\)\)\{var \w+=document\.createElement\("style"\)""")


def _stylesheet(script: bytes) -> bytes:
    found = _RULES.search(script)
    if not found:
        return b""
    rules = []
    for selector, declarations in _RULE.findall(found.group(1)):
        selector = re.sub(rb"^,", b" ,", selector.strip(b'"'))
        selector = selector.replace(b"X", b".js-plotly-plot .plotly").replace(b"Y", b".plotly-notifier")
        rules.append(selector + b"{" + declarations[1:-1] + b"}")
    return b"\n".join(rules) + b"\n"


@dataclass(frozen=True)
class Bundle:
    plain: bytes
    gzip: bytes
    brotli: bytes
    digest: str
    css: bytes
    style_guards: tuple[str, ...]


def plotly_path() -> Path:
    """The bundle to serve: PLOTLY_JS from the configuration, else the partial one, else the full one."""
    configured = current_app.config.get("PLOTLY_JS")
    if configured:
        return Path(configured)
    return PARTIAL_PLOTLY_JS if PARTIAL_PLOTLY_JS.is_file() else FULL_PLOTLY_JS


@cache
def _bundle(path: Path) -> Bundle:
    plain = path.read_bytes()
    return Bundle(
        plain=plain,
        gzip=gzip.compress(plain, compresslevel=9, mtime=0),
        brotli=brotli.compress(plain, quality=9, mode=brotli.MODE_TEXT),
        digest=hashlib.sha256(plain).hexdigest()[:12],
        css=_stylesheet(plain),
        style_guards=tuple(dict.fromkeys(found.decode() for found in _GUARDED_STYLE.findall(plain))),
    )


def plotly_url() -> str:
    """The URL of Plotly.js, carrying a hash of its content so browsers can keep it for a year."""
    return url_for("assets.plotly_js", v=_bundle(plotly_path()).digest)


def plotly_css_url() -> str:
    """The URL of Plotly's stylesheet (see _stylesheet)."""
    return url_for("assets.plotly_css", v=_bundle(plotly_path()).digest)


def plotly_style_guards() -> tuple[str, ...]:
    """The ids of the elements that keep the bundle from writing other inline stylesheets (see _GUARDED_STYLE)."""
    return _bundle(plotly_path()).style_guards


@bp.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """Plotly.js, compressed as the browser accepts it."""
    bundle = _bundle(plotly_path())
    accepted = request.accept_encodings
    if accepted["br"]:
        body, encoding = bundle.brotli, "br"
    elif accepted["gzip"]:
        body, encoding = bundle.gzip, "gzip"
    else:
        body, encoding = bundle.plain, None
    return _cached(Response(body, mimetype="text/javascript"), bundle, encoding)


@bp.get("/vendor/plotly.css")
def plotly_css() -> Response:
    """The rules Plotly.js would otherwise write into an inline <style> element."""
    bundle = _bundle(plotly_path())
    return _cached(Response(bundle.css, mimetype="text/css"), bundle, None)


def _cached(response: Response, bundle: Bundle, encoding: str | None) -> Response:
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["ETag"] = f'"{bundle.digest}-{encoding or "identity"}"'
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
    response.cache_control.immutable = True
    return response
