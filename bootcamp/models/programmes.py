"""Programmes (certified titles) and their frameworks: blocks of competencies."""

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from .cohorts import Cohort


class Programme(db.Model):
    """A certified title (RNCP) and its competency framework."""

    __tablename__ = "programmes"
    __table_args__ = (sa.CheckConstraint("acquired_level BETWEEN 1 AND 3", name="acquired_level_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rncp_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[int | None]
    # The level from which a competency counts as acquired (DOMAIN.md: 2 unless said otherwise).
    acquired_level: Mapped[int] = mapped_column(default=2, server_default="2")

    blocks: Mapped[list["Block"]] = relationship(
        back_populates="programme", order_by="Block.position", cascade="all, delete-orphan"
    )
    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="programme")

    def __str__(self) -> str:
        return f"{self.short_name} ({self.rncp_code})"


class Block(db.Model):
    """A block of competencies (« bloc de compétences ») of a programme."""

    __tablename__ = "blocks"
    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int]

    programme: Mapped[Programme] = relationship(back_populates="blocks")
    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="block", order_by="Competency.position", cascade="all, delete-orphan"
    )


class Competency(db.Model):
    __tablename__ = "competencies"
    __table_args__ = (sa.UniqueConstraint("block_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("blocks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int]

    block: Mapped[Block] = relationship(back_populates="competencies")
