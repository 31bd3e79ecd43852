"""The programmes' public pages (issue 19): what managers write for Qualiopi's indicator 1, whether the page is
published, the licence of its open data. A new table only: nothing else changes.

Revision ID: 0011_programme_pages
Revises: 0010_hand_ins_and_placements
Create Date: 2026-11-27 07:19:07.844309

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_programme_pages'
down_revision = '0010_hand_ins_and_placements'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('summary', sa.String(length=300), server_default='', nullable=False),
    sa.Column('objectives', sa.Text(), server_default='', nullable=False),
    sa.Column('prerequisites', sa.Text(), server_default='', nullable=False),
    sa.Column('duration', sa.Text(), server_default='', nullable=False),
    sa.Column('admission', sa.Text(), server_default='', nullable=False),
    sa.Column('price', sa.Text(), server_default='', nullable=False),
    sa.Column('contacts', sa.Text(), server_default='', nullable=False),
    sa.Column('methods', sa.Text(), server_default='', nullable=False),
    sa.Column('assessment', sa.Text(), server_default='', nullable=False),
    sa.Column('accessibility', sa.Text(), server_default='', nullable=False),
    sa.Column('certifier', sa.String(length=200), server_default='', nullable=False),
    sa.Column('registration_date', sa.Date(), nullable=True),
    sa.Column('licence', sa.Enum('etalab-2.0', 'odbl-1.0', 'cc-by-4.0', name='licence', native_enum=False, create_constraint=True), server_default='etalab-2.0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_pages_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_pages')),
    sa.UniqueConstraint('programme_id', name=op.f('uq_programme_pages_programme_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_programme_pages_slug'))
    )


def downgrade():
    op.drop_table('programme_pages')
