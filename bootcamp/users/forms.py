"""Account forms: create, edit, choose a new password, create a cohort's learner accounts."""

from itertools import groupby

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..labels import choices
from ..models import Cohort, Learner, Role, User
from ..passwords import MAX_LENGTH, password_problem


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


class NewUserForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail.")),
            Email(_l("Adresse e-mail invalide.")),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Nom affiché"), filters=[_strip], validators=[DataRequired(_l("Indiquez un nom.")), Length(max=200)]
    )
    role = SelectField(_l("Rôle"))
    send = BooleanField(_l("Envoyer le lien par e-mail"), default=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices(Role)

    def validate_email(self, field: EmailField) -> None:
        if db.session.scalar(sa.select(User.id).where(User.email == field.data.lower())) is not None:
            raise ValidationError(_l("Un compte existe déjà avec cette adresse."))


class CohortList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EditUserForm(FlaskForm):
    name = StringField(
        _l("Nom affiché"), filters=[_strip], validators=[DataRequired(_l("Indiquez un nom.")), Length(max=200)]
    )
    role = SelectField(_l("Rôle"))
    active = BooleanField(
        _l("Compte actif (décochez pour désactiver : la personne ne peut plus se connecter, son historique reste)")
    )
    cohorts = CohortList(_l("Promotions confiées (formateur·rices)"), coerce=int)
    learner_email = EmailField(
        _l("Dossier d'apprenant·e relié (adresse e-mail du dossier)"), filters=[_strip], validators=[Length(max=254)]
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.role.choices = choices(Role)
        self.linked_learner: Learner | None = None

    def validate_learner_email(self, field: EmailField) -> None:
        if not field.data:
            return
        if self.role.data != Role.LEARNER:
            raise ValidationError(_l("Seul un compte apprenant·e se relie à un dossier."))
        learner = db.session.scalar(sa.select(Learner).where(Learner.email == field.data.lower()))
        if learner is None:
            raise ValidationError(_l("Aucun dossier d'apprenant·e avec cette adresse."))
        if learner.user is not None and learner.user.id != self.user.id:
            raise ValidationError(_l("Ce dossier est déjà relié au compte %(email)s.", email=learner.user.email))
        self.linked_learner = learner


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(_l("Choisissez un mot de passe."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )
    confirm = PasswordField(
        _l("Le même, encore une fois"),
        validators=[EqualTo("password", _l("Les deux mots de passe diffèrent."))],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field: PasswordField) -> None:
        if (problem := password_problem(field.data or "")) is not None:
            raise ValidationError(problem[0].upper() + problem[1:] + ".")


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )


# (site name, [(start year, cohorts newest first)]): the cohorts a trainer may be given, as the form groups them
CohortGroups = list[tuple[str, list[tuple[int, list[Cohort]]]]]


def cohort_groups(cohorts: list[Cohort]) -> CohortGroups:
    """The cohorts by site (by name), then by the year they start (newest first)."""
    ordered = sorted(cohorts, key=lambda cohort: (cohort.site.name.lower(), -cohort.start_date.toordinal()))
    by_site = [(site, list(of_site)) for site, of_site in groupby(ordered, key=lambda cohort: cohort.site.name)]
    return [
        (site, [(year, list(same)) for year, same in groupby(of_site, key=lambda cohort: cohort.start_date.year)])
        for site, of_site in by_site
    ]


class CohortAccountsForm(FlaskForm):
    """Create the accounts of a cohort's learners at once (prefixed: the account list's page has other forms)."""

    cohort = SelectField(_l("Promotion"), coerce=int)
    send = BooleanField(_l("Envoyer à chaque apprenant·e son lien par e-mail"), default=True)

    def __init__(self, cohorts: list[Cohort], **kwargs: object) -> None:
        super().__init__(prefix="accounts", **kwargs)
        self.cohort.choices = {
            site: [(cohort.id, cohort.name) for _year, of_year in years for cohort in of_year]
            for site, years in cohort_groups(cohorts)
        }
