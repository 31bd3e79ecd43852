"""Enrolment changes: dropout, end of the programme (the certification is derived from exam results)."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..dates import exit_date_problem
from ..extensions import db
from ..forms import ColumnLength, FrenchDateField, HiddenNumber, code, posted_id, with_blank
from ..labels import choices
from ..models import Cohort, DropoutReason, EnrolmentStatus, Programme
from ..sites.services import site_choices


class EnrolmentForm(FlaskForm):
    status = SelectField(_l("Situation"), choices=choices(EnrolmentStatus), coerce=code)
    exit_date = FrenchDateField(_l("Date de sortie"))
    dropout_reason = SelectField(_l("Motif d'abandon"), choices=with_blank(choices(DropoutReason), "—"), coerce=code)
    version = HiddenNumber(validators=[InputRequired()])

    def __init__(self, *args: Any, cohort_start: date, follow_ups: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort_start
        self.follow_ups = follow_ups  # situations recorded for the present exit: back in training would lose them

    def validate_status(self, field: SelectField) -> None:
        if field.data == EnrolmentStatus.IN_TRAINING and self.follow_ups:
            raise ValidationError(resume_refusal(self.follow_ups))

    def validate_exit_date(self, field: FrenchDateField) -> None:
        if self.status.data == EnrolmentStatus.IN_TRAINING:
            return
        if field.data is None:
            raise ValidationError(_l("Indiquez la date de sortie."))
        if problem := exit_date_problem(field.data, self.cohort_start):
            raise ValidationError(sentence(problem))

    def validate_dropout_reason(self, field: SelectField) -> None:
        if self.status.data == EnrolmentStatus.DROPPED and not field.data:
            raise ValidationError(_l("Indiquez le motif de l'abandon."))


def sentence(problem: str) -> str:
    """A rule's message (« la date ... ») as a form shows it: « La date ... »."""
    return problem[:1].upper() + problem[1:] + "."


def resume_refusal(follow_ups: int) -> str:
    """Why a learner was not put back in training: follow-ups were recorded for the exit, and nobody asked to
    delete them (a follow-up never hangs on a learner in training)."""
    return ngettext(
        "Une situation de suivi a déjà été saisie pour cette sortie : cochez la case pour la supprimer avec la "
        "reprise (un·e responsable de programme), ou corrigez plutôt la date ou le motif de sortie.",
        "%(num)d situations de suivi ont déjà été saisies pour cette sortie : cochez la case pour les supprimer avec "
        "la reprise (un·e responsable de programme), ou corrigez plutôt la date ou le motif de sortie.",
        follow_ups,
    )


class ResumeForm(FlaskForm):
    """« Reprendre la formation »: a learner who left (by mistake) back in training; the version seen."""

    version = HiddenNumber(validators=[InputRequired()])
    discard_follow_ups = BooleanField(_l("Supprimer aussi les situations de suivi saisies pour cette sortie"))


class FinishForm(FlaskForm):
    """The end of the programme for the learners still in training that the person leaves checked, on one date."""

    exit_date = FrenchDateField(_l("Date de fin de formation"), validators=[InputRequired(_l("Indiquez la date."))])
    enrolment = SelectMultipleField(_l("Personnes"), coerce=int)  # rendered by the template: one box per row

    def __init__(self, *args: Any, cohort: Cohort, enrolment_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort_start = cohort.start_date
        self.enrolment.choices = [SelectChoice(enrolment_id, "") for enrolment_id in enrolment_ids]

    def validate_exit_date(self, field: FrenchDateField) -> None:
        if field.data and (problem := exit_date_problem(field.data, self.cohort_start)):
            raise ValidationError(sentence(problem))

    def validate_enrolment(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Cochez au moins une personne."))

    def seen_versions(self) -> dict[int, int | None]:
        """Each checked enrolment, with the version the page showed (None: missing or unreadable)."""
        return {enrolment_id: posted_id(f"version-{enrolment_id}") for enrolment_id in self.enrolment.data or []}


class CohortForm(FlaskForm):
    """Create or change a cohort (managers)."""

    name = StringField(
        _l("Nom de la promotion"), validators=[DataRequired(_l("Donnez un nom.")), ColumnLength(Cohort.name)]
    )
    site = SelectField(_l("Site"), validators=[DataRequired(_l("Choisissez le site."))])  # from the list (/sites/)
    programme = SelectField(_l("Titre préparé"))
    start_date = FrenchDateField(_l("Début"), validators=[InputRequired(_l("Indiquez la date de début."))])
    end_date = FrenchDateField(_l("Fin"), validators=[InputRequired(_l("Indiquez la date de fin."))])

    def __init__(self, *args: Any, current_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_id = current_id
        self.site.choices = with_blank([SelectChoice(name, name) for _id, name in site_choices()], "—")
        self.programme.choices = [
            SelectChoice(code, f"{short} ({code}) — {title}")
            for code, short, title in db.session.execute(
                sa.select(Programme.rncp_code, Programme.short_name, Programme.title).order_by(Programme.rncp_code)
            )
        ]

    def validate_name(self, field: StringField) -> None:
        clash = db.session.scalar(sa.select(Cohort.id).where(sa.func.lower(Cohort.name) == field.data.strip().lower()))
        if clash is not None and clash != self.current_id:
            raise ValidationError(_l("Une promotion porte déjà ce nom."))

    def validate_end_date(self, field: FrenchDateField) -> None:
        if field.data and self.start_date.data and field.data <= self.start_date.data:
            raise ValidationError(_l("La fin doit venir après le début."))
