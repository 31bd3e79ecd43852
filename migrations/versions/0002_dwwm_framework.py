"""Data: the DWWM (RNCP37674) competency framework, so a school can create its first cohort at once.

Revision ID: 0002_dwwm_framework
Revises: 0001_initial_schema
Create Date: 2026-11-26 07:00:00

"""
from alembic import op
import sqlalchemy as sa

from bootcamp.frameworks import DWWM, insert_framework, read_framework

revision = '0002_dwwm_framework'
down_revision = '0001_initial_schema'
branch_labels = None
depends_on = None


def upgrade():
    insert_framework(op.get_bind(), read_framework(DWWM))


def downgrade():
    op.execute(sa.text("DELETE FROM programmes WHERE rncp_code = 'RNCP37674'"))
