"""A programme's public page (Qualiopi indicators 1 to 3): what managers write about it, whether it is published,
under which licence its figures are open data. The figures themselves are computed (bootcamp/public/figures.py)."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum, utcnow

if TYPE_CHECKING:
    from .programmes import Programme


class Licence(enum.StrEnum):
    """The licences a programme's figures may be published under (the JSON and CSV say which)."""

    ETALAB_2_0 = "etalab-2.0"  # Licence Ouverte / Open Licence 2.0 (Etalab): the French public sector's default
    ODBL_1_0 = "odbl-1.0"
    CC_BY_4_0 = "cc-by-4.0"


SLUG_LENGTH = 60
SUMMARY_LENGTH = 300
TEXT_LENGTH = 4000  # each indicator-1 text; checked by the form, the column is unbounded
# The texts of indicator 1 (Qualiopi), in the page's order: the form, the page, the JSON and the journal read it.
INFORMATION_FIELDS = (
    "objectives",
    "prerequisites",
    "duration",
    "admission",
    "price",
    "contacts",
    "methods",
    "assessment",
    "accessibility",
)


class ProgrammePage(db.Model):
    """The public page of a programme: its indicator-1 texts as managers wrote them, published or not."""

    __tablename__ = "programme_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), unique=True)
    # The page's address: /p/<slug> (lower-case letters, digits and hyphens; public/slugs.py checks it).
    slug: Mapped[str] = mapped_column(sa.String(SLUG_LENGTH), unique=True)
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_LENGTH), default="", server_default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    prerequisites: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    duration: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    admission: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    price: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    contacts: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    methods: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    assessment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    accessibility: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # A titre professionnel's certifier and the date of its registration in the RNCP (its code: Programme.rncp_code).
    certifier: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    registration_date: Mapped[date | None]
    licence: Mapped[Licence] = mapped_column(
        str_enum(Licence, "licence"), default=Licence.ETALAB_2_0, server_default=Licence.ETALAB_2_0.value
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    programme: Mapped["Programme"] = relationship()

    __mapper_args__ = {"version_id_col": version}
