"""Attendance (issue 15): half-day sessions, roll-call records, closures, weekly patterns, signing attempts, and
stored files (uploads kept in the database).

Revision ID: 0007_attendance
Revises: 0006_sites
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_attendance'
down_revision = '0006_sites'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('half_day', sa.Enum('am', 'pm', name='half_day', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('planned_minutes', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('centre', 'placement', name='session_kind', native_enum=False, create_constraint=True), server_default='centre', nullable=False),
    sa.Column('state', sa.Enum('open', 'closed', 'cancelled', name='session_state', native_enum=False, create_constraint=True), server_default='open', nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_attendance_sessions_closed_at_iff_closed')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_attendance_sessions_times_in_order')),
    sa.CheckConstraint('planned_minutes > 0 AND planned_minutes <= 720', name=op.f('ck_attendance_sessions_planned_minutes_range')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_attendance_sessions_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_attendance_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_sessions')),
    sa.UniqueConstraint('cohort_id', 'day', 'half_day', name=op.f('uq_attendance_sessions_cohort_id_day_half_day'))
    )
    with op.batch_alter_table('attendance_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_sessions_cohort_id_day', ['cohort_id', 'day'], unique=False)
        batch_op.create_index('ix_attendance_sessions_day', ['day'], unique=False)

    op.create_table('closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_closures_days_in_order')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_closures_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_closures_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closures'))
    )
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closures_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_stored_files_size_positive')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_stored_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files'))
    )
    op.create_table('weekly_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('half_day', sa.Enum('am', 'pm', name='half_day', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_weekly_slots_times_in_order')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_weekly_slots_weekday_range')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_weekly_slots_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_slots')),
    sa.UniqueConstraint('cohort_id', 'weekday', 'half_day', name=op.f('uq_weekly_slots_cohort_id_weekday_half_day'))
    )
    with op.batch_alter_table('weekly_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_slots_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('attendance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('presence', sa.Enum('present', 'absent', 'late', 'left_early', name='presence', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reason', sa.Enum('sickness', 'appointment', 'job_search', 'family', 'transport', 'other', name='absence_reason', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('justification', sa.Enum('unjustified', 'pending', 'accepted', 'refused', name='justification', native_enum=False, create_constraint=True), server_default='unjustified', nullable=False),
    sa.Column('proof_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('code', 'trainer', 'import', name='signature_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(presence IN ('late', 'left_early')) OR minutes = 0", name=op.f('ck_attendance_records_minutes_only_late_or_early')),
    sa.CheckConstraint("presence = 'absent' OR justification = 'unjustified'", name=op.f('ck_attendance_records_justified_only_absent')),
    sa.CheckConstraint("presence = 'absent' OR reason IS NULL", name=op.f('ck_attendance_records_reason_only_absent')),
    sa.CheckConstraint('minutes >= 0 AND minutes <= 720', name=op.f('ck_attendance_records_minutes_range')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_attendance_records_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proof_id'], ['stored_files.id'], name=op.f('fk_attendance_records_proof_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendance_records_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_attendance_records_session_id_attendance_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_records')),
    sa.UniqueConstraint('session_id', 'enrolment_id', name=op.f('uq_attendance_records_session_id_enrolment_id'))
    )
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_records_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(
            'ix_attendance_records_proof_id',
            ['proof_id'],
            unique=False,
            sqlite_where=sa.text('proof_id IS NOT NULL'),
            postgresql_where=sa.text('proof_id IS NOT NULL'),
        )

    op.create_table('signing_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['attendance_sessions.id'], name=op.f('fk_signing_attempts_session_id_attendance_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_signing_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_attempts'))
    )
    with op.batch_alter_table('signing_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_signing_attempts_session_id_user_id', ['session_id', 'user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('signing_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_signing_attempts_session_id_user_id')

    op.drop_table('signing_attempts')
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_records_proof_id')
        batch_op.drop_index(batch_op.f('ix_attendance_records_enrolment_id'))

    op.drop_table('attendance_records')
    with op.batch_alter_table('weekly_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_slots_cohort_id'))

    op.drop_table('weekly_slots')
    op.drop_table('stored_files')
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closures_cohort_id'))

    op.drop_table('closures')
    with op.batch_alter_table('attendance_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_sessions_day')
        batch_op.drop_index('ix_attendance_sessions_cohort_id_day')

    op.drop_table('attendance_sessions')
