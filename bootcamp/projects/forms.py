"""The brief form, and the grading form built for each project."""

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..competencies.queries import Cell
from ..competencies.services import LevelChange
from ..forms import ColumnLength, FrenchDateField, HiddenNumber, LevelField, ScoreField, code, with_blank
from ..labels import LEVEL_LABELS
from ..models import Block, Cohort, Grade, Learner, Project
from ..wording import of_name
from .queries import GradeSheet
from .services import GradeInput


def target_choices() -> list[SelectChoice]:
    return with_blank([SelectChoice(str(n), f"{n} · {LEVEL_LABELS[n]}") for n in (1, 2, 3)], _l("non visée"))


def target_name(competency_id: int) -> str:
    return f"target_{competency_id}"


class ProjectForm(FlaskForm):
    title = StringField(
        _l("Titre"), validators=[DataRequired(_l("Donnez un titre au projet.")), ColumnLength(Project.title)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    context = TextAreaField(_l("Contexte"), validators=[Length(max=20000)])
    deliverables = TextAreaField(_l("Livrables attendus"), validators=[Length(max=20000)])
    due_date = FrenchDateField(_l("À rendre le"), validators=[InputRequired(_l("Indiquez la date de rendu."))])
    version = HiddenNumber(validators=[Optional()])

    cohort_start: date
    cohort_end: date
    competency_ids: list[int]

    def validate_due_date(self, field: FrenchDateField) -> None:
        if field.data and field.data < self.cohort_start:
            raise ValidationError(_l("La date de rendu ne peut pas précéder le début de la promotion."))
        if field.data and field.data > self.cohort_end:  # a typo (2031 for 2027): nobody is left to hand it in
            raise ValidationError(_l("La date de rendu ne peut pas dépasser la fin de la promotion."))

    def targets(self) -> dict[int, int]:
        """Targeted competency id -> target level."""
        return {cid: int(self[target_name(cid)].data) for cid in self.competency_ids if self[target_name(cid)].data}


def project_form(blocks: list[Block], cohort: Cohort, targets: dict[int, int], **kwargs: Any) -> ProjectForm:
    """A brief form with one target-level field per competency of the programme; due within the cohort's dates."""

    class Form(ProjectForm):
        pass

    competency_ids = []
    for block in blocks:
        for competency in block.competencies:
            competency_ids.append(competency.id)
            setattr(
                Form,
                target_name(competency.id),
                SelectField(
                    f"{competency.code} — {competency.title}",
                    choices=target_choices(),
                    default=str(targets.get(competency.id, "")),
                    coerce=code,
                ),
            )
    form = Form(**kwargs)
    form.cohort_start, form.cohort_end = cohort.start_date, cohort.end_date
    form.competency_ids = competency_ids
    return form


def row_field(kind: str, learner_id: int, competency_id: int | None = None) -> str:
    """Field names of the grading form: score_<learner>, exempted_<learner>, level_<learner>_<competency>..."""
    return f"{kind}_{learner_id}" if competency_id is None else f"{kind}_{learner_id}_{competency_id}"


class GradingForm(FlaskForm):
    snapshot = HiddenNumber(validators=[InputRequired()])
    sheet: GradeSheet

    def changed_rows(self) -> set[int]:
        """The learners whose row differs from what the form showed."""
        changed = set()
        for learner in self.sheet.learners:
            values = (self[row_field(kind, learner.id)].data for kind in ROW_KINDS)
            if row_digest(*values) != self[row_field("seen", learner.id)].data:
                changed.add(learner.id)
        return changed

    def changes(self) -> tuple[list[GradeInput], dict[Cell, LevelChange]]:
        """The grades and levels this person changed, compared with what the form showed."""
        changed = self.changed_rows()
        rows = []
        for learner in self.sheet.learners:
            if learner.id not in changed:
                continue
            exempted = bool(self[row_field("exempted", learner.id)].data)
            rows.append(
                GradeInput(
                    learner_id=learner.id,
                    version=self[row_field("version", learner.id)].data,
                    score=self[row_field("score", learner.id)].data,
                    exempted=exempted,
                    exemption_reason=(self[row_field("reason", learner.id)].data or "").strip() if exempted else "",
                    feedback=(self[row_field("feedback", learner.id)].data or "").strip(),
                )
            )
        levels = {}
        for learner in self.sheet.learners:
            for target in self.sheet.targets:
                cell = (learner.id, target.competency_id)
                level = self[row_field("level", *cell)].level
                if level is not None and level != self.sheet.levels.get(cell):
                    levels[cell] = LevelChange(self.sheet.levels.get(cell), level)
        return rows, levels

    def keep(self, changes: tuple[list[GradeInput], dict[Cell, LevelChange]]) -> None:
        """Put a refused submission's changes back into this (fresh) form, so that saving again applies them."""
        rows, levels = changes
        for row in rows:
            if row_field("score", row.learner_id) not in self:
                continue
            self[row_field("score", row.learner_id)].data = row.score
            self[row_field("exempted", row.learner_id)].data = row.exempted
            self[row_field("reason", row.learner_id)].data = row.exemption_reason
            self[row_field("feedback", row.learner_id)].data = row.feedback
        for cell, change in levels.items():
            if row_field("level", *cell) in self:
                self[row_field("level", *cell)].data = str(change.level)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for learner in self.sheet.learners:
            score, exempted = self[row_field("score", learner.id)], self[row_field("exempted", learner.id)]
            reason = self[row_field("reason", learner.id)]
            if exempted.data and score.data is not None:
                score.errors.append(_l("Pas de note quand la personne est dispensée."))
                valid = False
            if exempted.data and not (reason.data or "").strip():
                reason.errors.append(_l("Indiquez le motif de la dispense."))
                valid = False
            elif not exempted.data and (reason.data or "").strip():
                reason.errors.append(_l("Un motif sans dispense : cochez « dispensé·e », ou videz le motif."))
                valid = False
        return valid


ROW_KINDS = ("score", "exempted", "reason", "feedback")  # what a row's fingerprint covers, in row_digest's order


def row_digest(score: Decimal | None, exempted: bool | None, reason: str | None, feedback: str | None) -> str:
    """A short fingerprint of a grading row, to tell the rows a person changed from those left as shown."""
    values = ("" if score is None else f"{score:.2f}", "1" if exempted else "", (reason or "").strip())
    text = "|".join((*values, (feedback or "").strip()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def grading_form(sheet: GradeSheet, posted: bool = True) -> GradingForm:
    """One row per learner (score, exemption and its reason, feedback, levels on the targeted competencies), with
    versions.

    Each row carries the grade's version and a fingerprint of what it showed; with `posted=False`
    the request's values are ignored (to show the current grades again).
    """

    class Form(GradingForm):
        pass

    for learner in sheet.learners:
        for name, row_input in _grading_row(learner, sheet.grades.get(learner.id)).items():
            setattr(Form, row_field(name, learner.id), row_input)
        for target in sheet.targets:
            level = sheet.levels.get((learner.id, target.competency_id))
            setattr(
                Form,
                row_field("level", learner.id, target.competency_id),
                LevelField(
                    _l("%(name)s, %(code)s", name=learner.full_name, code=target.competency.code),
                    default="" if level is None else str(level),
                    blank="—",
                    compact=True,
                ),
            )
    form = Form(data={"snapshot": sheet.snapshot}, **({} if posted else {"formdata": None}))
    form.sheet = sheet
    return form


def _grading_row(learner: Learner, grade: Grade | None) -> dict[str, Field]:
    """The fields of a learner's grading row, preset to their grade: version, fingerprint, score, exemption and its
    reason, feedback."""
    if grade:
        shown = row_digest(grade.score, grade.exempted, grade.exemption_reason, grade.feedback)
    else:
        shown = row_digest(None, None, None, None)
    return {
        "version": HiddenNumber(default=grade.version if grade else 0),
        "seen": HiddenField(default=shown),
        "score": ScoreField(
            _l("Note sur 20 %(of_name)s", of_name=of_name(learner.full_name)), default=grade.score if grade else None
        ),
        "exempted": BooleanField(
            _l("Dispensé·e : %(name)s", name=learner.full_name), default=grade.exempted if grade else False
        ),
        "reason": StringField(
            _l("Motif de la dispense %(of_name)s", of_name=of_name(learner.full_name)),
            default=grade.exemption_reason if grade else "",
            validators=[ColumnLength(Grade.exemption_reason)],
        ),
        "feedback": TextAreaField(
            _l("Retour à %(name)s", name=learner.full_name),
            default=grade.feedback if grade else "",
            validators=[Length(max=5000)],
        ),
    }
