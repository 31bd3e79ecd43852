"""Upload and confirmation forms shared by the learner and the outcome imports."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField


class UploadForm(FlaskForm):
    file = FileField(
        _l("Fichier CSV ou XLSX"),
        validators=[
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["csv", "xlsx"], _l("Un fichier .csv ou .xlsx, s'il vous plaît.")),
        ],
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmForm(FlaskForm):
    content = HiddenField()
    digest = HiddenField()
