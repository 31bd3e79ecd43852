"""The words of a public address: /p/<programme-slug>/<site-slug>."""

import re

from ..models import compare_key
from ..models.public import SLUG_LENGTH

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Addresses under /p/ that are not programmes: a page may not take them.
RESERVED = frozenset({"schema", "embed", "static"})


def slugify(text: str) -> str:
    """The slug of a name: lower case, no accents, words joined by hyphens (« Saint-Affrique » → saint-affrique,
    « DWWM » → dwwm); cut to SLUG_LENGTH."""
    words = re.findall(r"[a-z0-9]+", compare_key(text))
    return "-".join(words)[:SLUG_LENGTH].strip("-")


def is_slug(text: str) -> bool:
    """Whether `text` may be a page's address: a slug, not too long, not reserved."""
    return len(text) <= SLUG_LENGTH and SLUG.fullmatch(text) is not None and text not in RESERVED
