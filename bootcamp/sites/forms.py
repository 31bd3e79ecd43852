"""The form that adds or renames a site."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from ..forms import ColumnLength
from ..models import Site


class SiteForm(FlaskForm):
    name = StringField(
        _l("Nom du site"), validators=[DataRequired(_l("Indiquez le nom du site.")), ColumnLength(Site.name)]
    )
