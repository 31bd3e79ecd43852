"""The outbox's filter form (read from the URL: a value that is not a choice answers 400)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from ..forms import with_blank
from ..labels import GLOSSARY
from ..models import MessageKind, MessageState

# The labels of the one glossary (bootcamp/labels.py), in filter order.
STATES = {state: GLOSSARY[MessageState][state] for state in MessageState}
KINDS = {kind: GLOSSARY[MessageKind][kind] for kind in MessageKind}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value.value, text) for value, text in labels.items()]


class OutboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("État"), default="", choices=with_blank(_choices(STATES), _l("tous")))
    kind = SelectField(_l("Type"), default="", choices=with_blank(_choices(KINDS), _l("tous")))
