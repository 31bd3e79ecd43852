"""The two steps of a web import: upload and preview, then confirm. Nothing is kept between them but the page
(the file's bytes, in base64: a CSV in Windows-1252 or an XLSX file comes back as it was sent).

A file over the web's limits (reading.py) is refused before it is read (an XLSX file's rows: while it is read);
a refused file gives the preview with its problems and the status 422. Each step reads the file with no
transaction open (a POST's transaction holds SQLite's write lock: transactions.py), then reads the database;
the confirmation writes in that same short transaction, after checking the plan is still the one shown.
"""

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import abort, flash, make_response, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from . import reading
from .forms import ConfirmForm, UploadForm
from .reading import ROW_LIMIT, WEB_MAX_BYTES, WEB_MAX_ROWS, Plan, too_big_for_web


def done_counts(counts: dict[str, int]) -> str:
    """« 2 créés, 1 modifié, 0 inchangé » (the French plural: 0 and 1 take the singular)."""
    return ", ".join(
        [
            ngettext("%(num)d créé", "%(num)d créés", counts["create"]),
            ngettext("%(num)d modifié", "%(num)d modifiés", counts["update"]),
            ngettext("%(num)d inchangé", "%(num)d inchangés", counts["unchanged"]),
        ]
    )


def _refused_or_planned(plan: Callable[[bytes], Any], content: bytes) -> Any:
    problem = too_big_for_web(content)
    if problem:
        return Plan([], [problem])
    token = ROW_LIMIT.set(reading.WEB_MAX_ROWS)  # read at each request: the tests lower it
    try:
        return plan(content)
    finally:
        ROW_LIMIT.reset(token)


def _sent_back(content: str) -> bytes:
    """The file's bytes as the preview page kept them; 400 when the field was tampered with."""
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        abort(400)


def _preview(template: str, plan: Any, **context: Any) -> Any:
    """The page with the plan; a refused file answers 422 (the page lists why)."""
    page = render_template(template, plan=plan, **context)
    return page if plan.ok else make_response(page, 422)


def import_page(
    plan: Callable[[bytes], Any], apply: Callable[[Any], dict[str, int]], template: str, **context: Any
) -> tuple[Any, bool]:
    """Handle one request of an import page; return the page (a response with its status when a file is refused)
    and whether the import was applied."""
    upload, confirm = UploadForm(), ConfirmForm()
    context["limits"] = {"rows": WEB_MAX_ROWS, "megabytes": WEB_MAX_BYTES / 1_000_000}
    if upload.validate_on_submit():
        content = upload.file.data.read()
        result = _refused_or_planned(plan, content)
        if result.ok:
            confirm.content.data, confirm.digest.data = base64.b64encode(content).decode(), result.digest
        return _preview(template, result, upload=upload, confirm=confirm, **context), False
    if confirm.validate_on_submit() and confirm.content.data:
        content = _sent_back(confirm.content.data)
        result = _refused_or_planned(plan, content)
        if result.ok and result.digest == confirm.digest.data:
            try:
                counts = apply(result)
                db.session.commit()
            except IntegrityError:  # PostgreSQL: another import wrote the same rows meanwhile
                db.session.rollback()
            else:
                flash(_("Import terminé : %(counts)s.", counts=done_counts(counts)), "success")
                page = render_template(template, upload=UploadForm(formdata=None), confirm=None, plan=None, **context)
                return page, True
            result = _refused_or_planned(plan, content)
        flash(_("Les données ont changé depuis l'aperçu : vérifiez le nouvel aperçu avant de confirmer."), "error")
        confirm.digest.data = result.digest
        return _preview(template, result, upload=UploadForm(formdata=None), confirm=confirm, **context), False
    page = render_template(template, upload=upload, confirm=None, plan=None, **context)
    return (make_response(page, 422) if upload.file.data and upload.errors else page), False
