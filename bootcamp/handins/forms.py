"""The hand-in form: the repository's address, the deployed version's address (both https://), a comment."""

import re
import unicodedata
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..forms import ColumnLength, HiddenNumber
from ..models import HandIn

URL_LENGTH = 500  # HandIn.repository_url and deployed_url
# A host name once written in ASCII (IDNA): labels of letters, digits and hyphens, at least one dot (gitlab.com).
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def url_problem(value: str) -> str | None:
    """Why `value` is not an https:// address a learner may give for their work (None: it is one). Refused: another
    scheme (http:, javascript:, data:...), no host, a user name or password in it, spaces or control characters,
    more than URL_LENGTH characters."""
    if len(value) > URL_LENGTH:
        return _("Adresse trop longue : %(max)d caractères au plus.", max=URL_LENGTH)
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in value):
        return _("Une adresse ne contient ni espace ni caractère invisible.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        return _("Adresse invalide : copiez-la depuis la barre d'adresse du navigateur.")
    if parts.scheme.lower() != "https":
        return _("L'adresse doit commencer par https://")
    if parts.username is not None or parts.password is not None:
        return _("L'adresse ne doit contenir ni identifiant ni mot de passe.")
    if not _is_host(parts.hostname or ""):
        return _("Indiquez une adresse complète, avec son nom de domaine (https://gitlab.com/…).")
    return None


def _is_host(hostname: str) -> bool:
    try:
        ascii_name = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    return bool(HOST.match(ascii_name))


class HttpsUrl:
    """WTForms validator: url_problem() as the field's error."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and (problem := url_problem(field.data)):
            raise ValidationError(problem)


class HandInForm(FlaskForm):
    repository_url = StringField(
        _l("Adresse du dépôt"),
        validators=[DataRequired(_l("Indiquez l'adresse du dépôt (https://…).")), HttpsUrl()],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    deployed_url = StringField(
        _l("Adresse de la version en ligne (facultatif)"),
        validators=[Optional(), HttpsUrl()],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    comment = TextAreaField(_l("Commentaire (facultatif)"), validators=[ColumnLength(HandIn.comment)])
    # How many versions the page showed: a version handed in since (another tab) is said in the message.
    seen = HiddenNumber(validators=[Optional()])
