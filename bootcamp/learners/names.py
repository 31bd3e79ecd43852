"""Learners in alphabetical order as a French reader expects it: « Étienne » among the E, not after « Zola ».

Python's and SQLite's orders compare code points (« É » comes after « z »), and PostgreSQL's depends on the
database's collation: the staff pages (roster, grid, grading sheet, end of programme) sort in Python with this key,
the same on both databases.
"""

import unicodedata

from ..models import Learner


def folded(text: str) -> str:
    """The text without case or accents (« Étienne » → « etienne », « Œdipe » → « oedipe »)."""
    bare = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(char for char in bare if not unicodedata.combining(char))


def by_name(learner: Learner) -> tuple[str, str, str, str, int]:
    """The sort key of a learner: last name then first name, accents and case ignored (then as written, then id,
    so that the order is always the same)."""
    return (folded(learner.last_name), folded(learner.first_name), learner.last_name, learner.first_name, learner.id)
