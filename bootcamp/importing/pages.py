"""The two steps of a web import: upload and preview, then confirm. Nothing is kept between them but the page.

A file over the web's limits (reading.py) is refused before it is read. Each step reads the file with no
transaction open (a POST's transaction holds SQLite's write lock: transactions.py), then reads the database;
the confirmation writes in that same short transaction, after checking the plan is still the one shown.
"""

from collections.abc import Callable
from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .forms import ConfirmForm, UploadForm
from .reading import WEB_MAX_BYTES, WEB_MAX_ROWS, Plan, too_big_for_web


def _refused_or_planned(plan: Callable[[bytes], Any], content: bytes) -> Any:
    problem = too_big_for_web(content)
    return Plan([], [problem]) if problem else plan(content)


def import_page(
    plan: Callable[[bytes], Any], apply: Callable[[Any], dict[str, int]], template: str, **context: Any
) -> tuple[str, bool]:
    """Handle one request of an import page; return the page and whether the import was applied."""
    upload, confirm = UploadForm(), ConfirmForm()
    context["limits"] = {"rows": WEB_MAX_ROWS, "megabytes": WEB_MAX_BYTES / 1_000_000}
    if upload.validate_on_submit():
        content = upload.file.data.read()
        result = _refused_or_planned(plan, content)
        if result.ok:
            confirm.content.data, confirm.digest.data = content.decode("utf-8-sig", errors="replace"), result.digest
        return render_template(template, upload=upload, confirm=confirm, plan=result, **context), False
    if confirm.validate_on_submit() and confirm.content.data:
        result = _refused_or_planned(plan, confirm.content.data.encode())
        if result.ok and result.digest == confirm.digest.data:
            try:
                counts = apply(result)
                db.session.commit()
            except IntegrityError:  # PostgreSQL: another import wrote the same rows meanwhile
                db.session.rollback()
            else:
                flash(
                    _(
                        "Import terminé : %(create)d créé(s), %(update)d modifié(s), %(unchanged)d inchangé(s).",
                        **counts,
                    ),
                    "success",
                )
                page = render_template(template, upload=UploadForm(formdata=None), confirm=None, plan=None, **context)
                return page, True
            result = _refused_or_planned(plan, confirm.content.data.encode())
        flash(_("Les données ont changé depuis l'aperçu : vérifiez le nouvel aperçu avant de confirmer."), "error")
        confirm.digest.data = result.digest
        return render_template(
            template, upload=UploadForm(formdata=None), confirm=confirm, plan=result, **context
        ), False
    return render_template(template, upload=upload, confirm=None, plan=None, **context), False
