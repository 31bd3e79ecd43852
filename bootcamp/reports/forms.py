"""The dashboard's filters, read from the URL so that a view can be bookmarked and shared."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import dates
from ..extensions import db
from ..forms import FrenchDateField, code, with_blank
from ..labels import choices
from ..models import Cohort, Gender, Programme, Site


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: the filters live in the URL

    site = SelectField(_l("Site"), coerce=code, default="")
    programme = SelectField(_l("Titre"), coerce=code, default="")
    year = CheckboxList(_l("Année d'entrée"), coerce=str, default=[])
    gender = SelectField(_l("Genre"), coerce=code, choices=[], default="")
    point = SelectField(
        _l("Relevé"),
        choices=[SelectChoice("0", _l("à la sortie"))]
        + [SelectChoice(str(n), _l("à +%(n)d mois", n=n)) for n in (3, 6, 12)],
        default="6",
    )
    as_of = FrenchDateField(_l("Au"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = with_blank(choices(Gender), _l("tous"))
        if not self.point.data:
            self.point.data = "6"


def filter_choices() -> tuple[list[SelectChoice], list[SelectChoice], list[SelectChoice]]:
    """Sites, programmes and cohort years that exist, in one query."""
    rows = db.session.execute(
        sa.select(Site.id, Site.name, Programme.id, Programme.short_name, sa.extract("year", Cohort.start_date))
        .select_from(Cohort)
        .join(Site, Site.id == Cohort.site_id)
        .join(Programme, Programme.id == Cohort.programme_id)
        .distinct()
    ).all()
    sites = sorted({(site_id, name) for site_id, name, *_ in rows}, key=lambda item: item[1])
    programmes = sorted({(row[2], row[3]) for row in rows}, key=lambda item: item[1])
    years = sorted({int(row[4]) for row in rows}, reverse=True)
    return (
        with_blank([SelectChoice(str(i), name) for i, name in sites], _l("tous")),
        with_blank([SelectChoice(str(i), name) for i, name in programmes], _l("tous")),
        [SelectChoice(str(year), str(year)) for year in years],
    )


class PeriodForm(FlaskForm):
    """The attendance period, from the URL (`from`, `to`): reports/attendance.py `period` fills what is left out."""

    class Meta:
        csrf = False  # a GET form: the filters live in the URL

    start = FrenchDateField(_l("Du"), name="from")
    end = FrenchDateField(_l("Au"), name="to")

    def validate_end(self, field: FrenchDateField) -> None:
        if self.start.data and self.start.data > (field.data or dates.today()):
            raise ValidationError(_l("La fin de la période (aujourd'hui si elle est vide) est avant son début."))
