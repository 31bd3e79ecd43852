"""The two steps of a web import: upload and preview, then confirm. Nothing is kept between them but the page."""

from collections.abc import Callable
from typing import Any

from flask import flash, render_template
from flask_babel import gettext as _

from ..extensions import db
from .forms import ConfirmForm, UploadForm


def import_page(
    plan: Callable[[bytes], Any], apply: Callable[[Any], dict[str, int]], template: str, **context: Any
) -> tuple[str, bool]:
    """Handle one request of an import page; return the page and whether the import was applied."""
    upload, confirm = UploadForm(), ConfirmForm()
    if upload.validate_on_submit():
        content = upload.file.data.read()
        result = plan(content)
        confirm.content.data, confirm.digest.data = content.decode("utf-8-sig", errors="replace"), result.digest
        return render_template(template, upload=upload, confirm=confirm, plan=result, **context), False
    if confirm.validate_on_submit() and confirm.content.data:
        result = plan(confirm.content.data.encode())
        if not result.ok or result.digest != confirm.digest.data:
            flash(_("Les données ont changé depuis l'aperçu : vérifiez le nouvel aperçu avant de confirmer."), "error")
            confirm.digest.data = result.digest
            return render_template(
                template, upload=UploadForm(formdata=None), confirm=confirm, plan=result, **context
            ), False
        counts = apply(result)
        db.session.commit()
        flash(
            _("Import terminé : %(create)d créé(s), %(update)d modifié(s), %(unchanged)d inchangé(s).", **counts),
            "success",
        )
        return render_template(template, upload=UploadForm(formdata=None), confirm=None, plan=None, **context), True
    return render_template(template, upload=upload, confirm=None, plan=None, **context), False
