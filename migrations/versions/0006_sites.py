"""Sites compared whatever the case, accents and spaces (a unique key; duplicates merged), and learners' phones.

Revision ID: 0006_sites
Revises: 0005_one_time_tokens
Create Date: 2026-11-28 09:00:00

"""
import unicodedata
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_sites'
down_revision = '0005_one_time_tokens'
branch_labels = None
depends_on = None

sites = sa.table('sites', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('key', sa.String))
cohorts = sa.table('cohorts', sa.column('id', sa.Integer), sa.column('site_id', sa.Integer))
audit_events = sa.table(
    'audit_events',
    sa.column('created_at', sa.DateTime),
    sa.column('entity', sa.String),
    sa.column('entity_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('before', sa.JSON),
    sa.column('after', sa.JSON),
)


def site_key(name):
    """A copy of models.cohorts.site_key as it is today (a migration does not follow the code's changes)."""
    bare = unicodedata.normalize('NFKD', name.casefold())
    bare = ''.join(char for char in bare if not unicodedata.combining(char))
    return ' '.join(bare.split())[:255]


def merge_sites(connection):
    """One site per key: the spelling with the most cohorts (the first created on a tie) stays, the others'
    cohorts move to it and they go; each change is in the audit trail."""
    rows = connection.execute(
        sa.select(sites.c.id, sites.c.name, sa.func.count(cohorts.c.id))
        .select_from(sites.outerjoin(cohorts, cohorts.c.site_id == sites.c.id))
        .group_by(sites.c.id, sites.c.name)
        .order_by(sites.c.id)
    ).all()
    groups = {}
    for site_id, name, count in rows:
        groups.setdefault(site_key(name), []).append((site_id, name, count))
    now = datetime.now(UTC).replace(tzinfo=None)
    events = []
    for key, members in groups.items():
        kept_id, kept_name, _count = max(members, key=lambda member: (member[2], -member[0]))
        for site_id, name, _count in members:
            if site_id == kept_id:
                continue
            moved = connection.execute(sa.select(cohorts.c.id).where(cohorts.c.site_id == site_id)).scalars().all()
            connection.execute(sa.update(cohorts).where(cohorts.c.site_id == site_id).values(site_id=kept_id))
            connection.execute(sa.delete(sites).where(sites.c.id == site_id))
            events += [
                _event('cohort', cohort_id, 'update', {'site_id': site_id}, {'site_id': kept_id}) for cohort_id in moved
            ]
            events.append(_event('site', site_id, 'delete', {'name': name}, {'merged_into': kept_id}))
        connection.execute(
            sa.update(sites).where(sites.c.id == kept_id).values(name=' '.join(kept_name.split()), key=key)
        )
    if events:
        connection.execute(sa.insert(audit_events), [{**event, 'created_at': now} for event in events])


def _event(entity, entity_id, action, before, after):
    return {'entity': entity, 'entity_id': entity_id, 'action': action, 'before': before, 'after': after}


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN and a unique index, no batch: on SQLite a batch copies the table and drops
    # the old one, which the cohorts' (and enrolments') foreign keys refuse, or cascade, once there are rows.
    op.add_column('sites', sa.Column('key', sa.String(length=255), nullable=False, server_default=''))
    merge_sites(op.get_bind())
    op.create_index(op.f('ix_sites_key'), 'sites', ['key'], unique=True)
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot drop a default; every insert gives the key anyway
        op.alter_column('sites', 'key', existing_type=sa.String(length=255), server_default=None)
    op.add_column('learners', sa.Column('phone', sa.String(length=30), nullable=True))


def downgrade():
    op.drop_column('learners', 'phone')
    op.drop_index(op.f('ix_sites_key'), table_name='sites')
    op.drop_column('sites', 'key')
