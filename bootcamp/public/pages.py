"""Saving a programme's public page: created on its first save, changed after, every change audited (its fields
before and after, publishing and unpublishing included). Also what the managers' list reads: every programme with
its page and the page's last change, in a fixed number of queries. Functions write in the caller's transaction."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import AuditEvent, Programme, utcnow
from ..models.public import INFORMATION_FIELDS, Licence, ProgrammePage

ENTITY = "programme_page"
# What the journal keeps of a page: every field a manager writes (the page, as published or not).
FIELDS = ("slug", "published", "summary", *INFORMATION_FIELDS, "certifier", "registration_date", "licence")
STALE = _l(
    "%(who)s a modifié cette page le %(when)s, après l'ouverture de votre formulaire. Rien n'a été enregistré : "
    "votre texte est gardé ci-dessous. Ouvrez l'aperçu de la page enregistrée dans un autre onglet, reprenez ici ce "
    "qu'il faut garder de sa version, puis enregistrez : la vôtre la remplacera."
)
CREATED_MEANWHILE = _l(
    "Cette page vient d'être créée ou son adresse prise par quelqu'un d'autre pendant que vous écriviez. Rien n'a "
    "été enregistré : rechargez la page pour voir la version actuelle, puis recommencez."
)


@dataclass(frozen=True)
class PageLine:
    """A programme on the managers' list: its page if any, and who changed the page last, when."""

    programme: Programme
    page: ProgrammePage | None
    last_change: AuditEvent | None


def page_of(programme_id: int) -> ProgrammePage | None:
    """The programme's page, None before its first save."""
    return db.session.scalar(sa.select(ProgrammePage).where(ProgrammePage.programme_id == programme_id))


def values_of(form: Any) -> dict[str, Any]:
    """The page's values from a validated PageForm (texts trimmed, the licence as its enum)."""
    values: dict[str, Any] = {name: (getattr(form, name).data or "").strip() for name in ("summary",
                                                                                          *INFORMATION_FIELDS)}
    values.update(
        slug=form.slug.data,
        published=bool(form.published.data),
        certifier=" ".join((form.certifier.data or "").split()),
        registration_date=form.registration_date.data,
        licence=Licence(form.licence.data),
    )
    return values


def transient_page(programme: Programme, values: dict[str, Any], saved: ProgrammePage | None) -> ProgrammePage:
    """A page made of a form's values, for the preview: never added to the session (its programme relationship has
    no way back, so nothing cascades it in), so no flush can write it."""
    page = ProgrammePage(
        programme_id=programme.id,
        version=saved.version if saved is not None else 0,
        updated_at=utcnow(),
        **values,
    )
    page.programme = programme
    return page


def save_page(programme: Programme, page: ProgrammePage | None, values: dict[str, Any]) -> ProgrammePage | None:
    """Create the programme's page (`page` None) or change it, with its audit event; the page, or None when nothing
    changed (nothing written). A page or slug saved by someone else meanwhile answers 409, nothing written."""
    if page is None:
        page = ProgrammePage(programme_id=programme.id, **values)
        db.session.add(page)
        _flush()
        audit.record(ENTITY, page.id, "create", None, audit.snapshot(page, FIELDS))
        return page
    before = audit.snapshot(page, FIELDS)
    with db.session.no_autoflush:  # one UPDATE: one new version
        for name, value in values.items():
            setattr(page, name, value)
    after = audit.snapshot(page, FIELDS)
    if after == before:
        return None
    _flush()
    audit.record(ENTITY, page.id, "update", before, after)
    return page


def _flush() -> None:
    """Write now, so that a concurrent create (unique programme or slug) is a clear 409 rather than an error."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        abort(409, description=str(CREATED_MEANWHILE))


def slug_taken(slug: str, programme_id: int) -> bool:
    """Whether another programme's page has this address."""
    return db.session.scalar(
        sa.select(sa.exists().where(ProgrammePage.slug == slug, ProgrammePage.programme_id != programme_id))
    )


def page_lines() -> list[PageLine]:
    """Every programme by title, with its page and the page's last change (audit.last_change for all at once): two
    queries whatever the number of programmes."""
    rows = db.session.execute(
        sa.select(Programme, ProgrammePage)
        .outerjoin(ProgrammePage, ProgrammePage.programme_id == Programme.id)
        .order_by(Programme.title, Programme.id)
    ).all()
    page_ids = [page.id for _programme, page in rows if page is not None]
    latest = (
        sa.select(sa.func.max(AuditEvent.id))
        .where(AuditEvent.entity == ENTITY, AuditEvent.entity_id.in_(page_ids))
        .group_by(AuditEvent.entity_id)
    )
    changes = {
        event.entity_id: event
        for event in (
            db.session.scalars(
                sa.select(AuditEvent).options(joinedload(AuditEvent.actor)).where(AuditEvent.id.in_(latest))
            )
            if page_ids
            else []
        )
    }
    return [PageLine(programme, page, changes.get(page.id) if page else None) for programme, page in rows]
