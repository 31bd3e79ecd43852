"""Changes to the livret d'évaluation, each audited (entity "ecf_situation" / "ecf_block", with the learner); the
caller commits. The rule that reads the block's other situations — a reassessment follows an evaluation of the
block held before it — is checked after each change (adding, editing, deleting), so that no change leaves a
reassessment without its evaluation."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import flag_modified

from ..audit import record, snapshot
from ..dates import add_months
from ..extensions import db
from ..models import Block, Cohort, EcfBlock, EcfCompetency, EcfKind, EcfSituation, Enrolment
from ..models.certification import ONE_YEAR_MONTHS

TEXT_LIMIT = 2000  # a description, points to watch, observations
SITUATION_FIELDS = (
    "block_id",
    "kind",
    "held_on",
    "description",
    "satisfactory",
    "points_to_watch",
    "first_assessor",
    "second_assessor",
)
SUMMARY_FIELDS = ("block_id", "mastered", "observations", "assessors", "legal_representative", "handed_on")


class EcfRefusal(ValueError):
    """A change the livret's rules refuse, with a message for the person who asked."""


def ecf_window(cohort: Cohort) -> tuple[date, date]:
    """The dates a situation or the handing of the livret may have: from the cohort's start to a year after its end
    (the year a partial candidate has to pass the missing blocks)."""
    return cohort.start_date, add_months(cohort.end_date, ONE_YEAR_MONTHS)


def ecf_date_problem(day: date, cohort: Cohort) -> str | None:
    """Why `day` is refused for the cohort's livret, or None."""
    first, last = ecf_window(cohort)
    if first <= day <= last:
        return None
    return _(
        "La date doit être entre le début de la promotion (%(first)s) et un an après sa fin (%(last)s).",
        first=format_date(first, "dd/MM/yyyy"),
        last=format_date(last, "dd/MM/yyyy"),
    )


@dataclass(frozen=True)
class SituationValues:
    kind: EcfKind
    held_on: date
    description: str
    satisfactory: bool | None
    points_to_watch: str
    first_assessor: str
    second_assessor: str
    assessed: tuple[int, ...]  # competency ids, of the block
    to_reassess: frozenset[int]  # among `assessed`


def _situation_snapshot(situation: EcfSituation) -> dict[str, Any]:
    items = sorted(situation.competencies, key=lambda item: item.competency_id)
    return {
        **snapshot(situation, SITUATION_FIELDS),
        "competencies": [item.competency_id for item in items],
        "to_reassess": [item.competency_id for item in items if item.to_reassess],
    }


def _apply(situation: EcfSituation, values: SituationValues) -> None:
    for name in SITUATION_FIELDS[1:]:
        setattr(situation, name, getattr(values, name))
    kept = {item.competency_id: item for item in situation.competencies}
    situation.competencies = [
        kept.get(competency_id) or EcfCompetency(competency_id=competency_id) for competency_id in values.assessed
    ]
    for item in situation.competencies:
        item.to_reassess = item.competency_id in values.to_reassess


def _block_situations(enrolment_id: int, block_id: int) -> list[EcfSituation]:
    db.session.flush()
    return list(
        db.session.scalars(
            sa.select(EcfSituation)
            .where(EcfSituation.enrolment_id == enrolment_id, EcfSituation.block_id == block_id)
            .order_by(EcfSituation.held_on, EcfSituation.id)
        )
    )


def check_reassessments(enrolment_id: int, block_id: int) -> None:
    """Refuse the change (the caller rolls back) if a reassessment of the block has no evaluation held before it."""
    situations = _block_situations(enrolment_id, block_id)
    for situation in situations:
        if situation.kind != EcfKind.REASSESSMENT:
            continue
        if not any(s.kind == EcfKind.EVALUATION and s.held_on < situation.held_on for s in situations):
            raise EcfRefusal(
                _(
                    "Une réévaluation suit une évaluation du bloc tenue avant elle : aucune évaluation avant la "
                    "réévaluation du %(date)s.",
                    date=format_date(situation.held_on, "dd/MM/yyyy"),
                )
            )


def add_situation(enrolment: Enrolment, block: Block, values: SituationValues, user_id: int | None) -> EcfSituation:
    situation = EcfSituation(enrolment_id=enrolment.id, block_id=block.id, created_by_id=user_id)
    _apply(situation, values)
    db.session.add(situation)
    check_reassessments(enrolment.id, block.id)
    after = _situation_snapshot(situation)
    record("ecf_situation", situation.id, "create", None, after, learner_id=enrolment.learner_id)
    return situation


def update_situation(situation: EcfSituation, values: SituationValues) -> bool:
    """Change a situation (its version checked by the caller and by the UPDATE itself); True if anything changed."""
    before = _situation_snapshot(situation)
    _apply(situation, values)
    after = _situation_snapshot(situation)
    if after == before:
        return False
    flag_modified(situation, "held_on")  # its competencies alone changed: its row is still updated, a new version
    check_reassessments(situation.enrolment_id, situation.block_id)
    record("ecf_situation", situation.id, "update", before, after, learner_id=situation.enrolment.learner_id)
    return True


def delete_situation(situation: EcfSituation) -> None:
    before = _situation_snapshot(situation)
    enrolment_id, block_id, learner_id = situation.enrolment_id, situation.block_id, situation.enrolment.learner_id
    db.session.delete(situation)
    check_reassessments(enrolment_id, block_id)
    record("ecf_situation", situation.id, "delete", before, None, learner_id=learner_id)


@dataclass(frozen=True)
class SummaryValues:
    mastered: bool | None
    observations: str
    assessors: str
    legal_representative: str
    handed_on: date | None


def save_summary(
    enrolment: Enrolment, block: Block, summary: EcfBlock | None, values: SummaryValues, user_id: int | None
) -> EcfBlock | None:
    """Create or change the block's summary; the summary if anything changed, else None."""
    before = snapshot(summary, SUMMARY_FIELDS) if summary is not None else None
    if summary is None:
        summary = EcfBlock(enrolment_id=enrolment.id, block_id=block.id)
        db.session.add(summary)
    for name in SUMMARY_FIELDS[1:]:
        setattr(summary, name, getattr(values, name))
    after = snapshot(summary, SUMMARY_FIELDS)
    if after == before:
        return None
    summary.updated_by_id = user_id
    db.session.flush()
    record("ecf_block", summary.id, "update" if before else "create", before, after, learner_id=enrolment.learner_id)
    return summary
