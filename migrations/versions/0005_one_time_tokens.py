"""One-time tokens for links (password links first): random, stored as their SHA-256, used once.

Revision ID: 0005_one_time_tokens
Revises: 0004_data_version
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_one_time_tokens'
down_revision = '0004_data_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'one_time_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.Text(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_one_time_tokens_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_one_time_tokens_token_hash')),
    )
    with op.batch_alter_table('one_time_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_tokens_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_one_time_tokens_purpose_user_id', ['purpose', 'user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('one_time_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_one_time_tokens_purpose_user_id')
        batch_op.drop_index(batch_op.f('ix_one_time_tokens_expires_at'))
    op.drop_table('one_time_tokens')
