"""A programme's questionnaire of each kind: the default statements until a manager edits them, then its own rows."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ..audit import record
from ..extensions import db
from ..labels import GLOSSARY
from ..models import OVERALL, Programme, SurveyKind, SurveyStatement

MAX_STATEMENTS = 8  # a questionnaire answered on a phone in two minutes
TEXT_MAX = 300
KIND_LABELS: dict[SurveyKind, LazyString] = GLOSSARY[SurveyKind]  # « à chaud », « à froid » (bootcamp/labels.py)
# The four statements, in French whatever the manager's language (learners read them; a manager edits them)
DEFAULTS: list[tuple[str, LazyString]] = [
    (OVERALL, _l("Dans l'ensemble, je suis satisfait·e de la formation.")),
    ("trainers", _l("Les formateurs et formatrices m'ont bien accompagné·e.")),
    ("useful", _l("Ce que j'ai appris me sera utile pour travailler.")),
    ("recommend", _l("Je recommanderais cette formation.")),
]
DEFAULT_KEYS = frozenset(key for key, _text in DEFAULTS)


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    version: int = 0  # 0: a default statement, not yet a row


def default_statements() -> list[Statement]:
    with force_locale("fr"):
        return [Statement(key, str(text)) for key, text in DEFAULTS]


def questionnaire(programme_id: int, kind: SurveyKind) -> list[Statement]:
    """The statements a campaign of this programme and kind would ask now, in order."""
    rows = db.session.scalars(
        sa.select(SurveyStatement)
        .where(SurveyStatement.programme_id == programme_id, SurveyStatement.kind == kind)
        .order_by(SurveyStatement.position, SurveyStatement.id)
    ).all()
    if not rows:
        return default_statements()
    return [Statement(row.key, row.text, row.version) for row in rows]


def stamp(statements: list[Statement]) -> str:
    """What the edit form was shown with: a later save compares it (someone else's save in between: 409)."""
    return ",".join(f"{item.key}:{item.version}" for item in statements)


def snapshot(statements: list[Statement]) -> list[dict[str, str]]:
    """The statements as a campaign keeps them (SurveyCampaign.statements)."""
    return [{"key": item.key, "text": item.text} for item in statements]


def _new_key(taken: set[str]) -> str:
    number = 1
    while f"added_{number}" in taken:
        number += 1
    return f"added_{number}"


def save_questionnaire(programme: Programme, kind: SurveyKind, texts: list[tuple[str, str]], added: str) -> bool:
    """Replace the questionnaire by `texts` ((key, text) in order, those removed left out: never « overall ») and
    `added` (a new statement, or empty); audited. Whether anything changed. The caller checked the stamp and
    commits."""
    before = questionnaire(programme.id, kind)
    wanted = [(key, " ".join(text.split())) for key, text in texts if key in {item.key for item in before}]
    if added.strip():
        taken = {key for key, _text in wanted} | {item.key for item in before}
        wanted.append((_new_key(taken), " ".join(added.split())))
    if OVERALL not in {key for key, _text in wanted} or len(wanted) > MAX_STATEMENTS:
        raise ValueError("the overall statement is kept, and at most MAX_STATEMENTS are asked")
    if [(item.key, item.text) for item in before] == wanted:
        return False
    rows = {
        row.key: row
        for row in db.session.scalars(
            sa.select(SurveyStatement).where(SurveyStatement.programme_id == programme.id, SurveyStatement.kind == kind)
        )
    }
    kept = {key for key, _text in wanted}
    for key, row in rows.items():
        if key not in kept:
            db.session.delete(row)
    for position, (key, text) in enumerate(wanted):
        row = rows.get(key) or SurveyStatement(programme_id=programme.id, kind=kind, key=key)
        row.position, row.text = position, text
        db.session.add(row)
    record(
        "survey_questionnaire",
        programme.id,
        "update",
        {"kind": kind.value, "statements": snapshot(before)},
        {"kind": kind.value, "statements": [{"key": key, "text": text} for key, text in wanted]},
    )
    db.session.flush()
    return True
