"""The journal's filter form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField

from ..forms import FrenchDateField, code, with_blank

KINDS = {
    "grade": _l("note"),
    "competency_assessment": _l("niveau de compétence"),
    "enrolment": _l("inscription"),
    "outcome": _l("situation après la formation"),
    "project": _l("projet"),
    "learner": _l("apprenant·e"),
    "cohort": _l("promotion"),
    "site": _l("site"),
    "user": _l("compte"),
    "attendance_record": _l("présence ou absence"),
    "attendance_session": _l("demi-journée"),
    "calendar": _l("calendrier"),
    "weekly_pattern": _l("semaine type"),
    "closure": _l("fermeture"),
    "stored_file": _l("fichier déposé"),
    "purge": _l("purge des données anciennes"),
    "ecf_situation": _l("situation d'évaluation (ECF)"),
    "ecf_block": _l("bilan de bloc (ECF)"),
    "dp_example": _l("exemple du Dossier Professionnel"),
    "exam_session": _l("session d'examen"),
    "exam_candidate": _l("inscription à une session d'examen"),
    "exam_result": _l("résultat d'examen"),
    "hand_in": _l("rendu de travail"),
    "placement": _l("stage en entreprise"),
    "tutor_review": _l("bilan du ou de la tuteur·rice en entreprise"),
    "programme_page": _l("page publique d'un titre"),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    learner = StringField(_l("Apprenant·e (nom ou n°)"))
    user = SelectField(_l("Auteur"), coerce=code, default="")
    kind = SelectField(_l("Type"), coerce=code, default="")
    start = FrenchDateField(_l("Du"))
    end = FrenchDateField(_l("Au"))

    def set_choices(self, users: list[tuple[int, str]]) -> None:
        """The authors to choose from (id, name), and the kinds of record."""
        self.user.choices = with_blank([SelectChoice(str(i), name) for i, name in users], _l("tous"))
        self.kind.choices = with_blank([SelectChoice(key, str(text)) for key, text in KINDS.items()], _l("tous"))
