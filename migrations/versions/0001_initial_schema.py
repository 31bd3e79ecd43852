"""Initial schema: every table of the data model.

Revision ID: 0001_initial_schema
Revises: 
Create Date: 2026-11-26 06:51:25.706863

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial_schema'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('gender', sa.Enum('female', 'male', 'other', 'undeclared', name='gender', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('diploma', sa.Enum('below_bac', 'bac', 'bac_2', 'bac_3_plus', name='diploma', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('jobseeker', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('qpv', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('zrr', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rqth', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rsa', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('career_change', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('referrer', sa.Enum('mission_locale', 'france_travail', 'cap_emploi', 'other', 'none', name='referrer', native_enum=False, create_constraint=True), server_default='none', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_learners_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learners')),
    sa.UniqueConstraint('email', name=op.f('uq_learners_email'))
    )
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rncp_code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('acquired_level', sa.Integer(), server_default='2', nullable=False),
    sa.CheckConstraint('acquired_level BETWEEN 1 AND 3', name=op.f('ck_programmes_acquired_level_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('rncp_code', name=op.f('uq_programmes_rncp_code'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('name', name=op.f('uq_sites_name'))
    )
    op.create_table('blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_blocks_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocks')),
    sa.UniqueConstraint('programme_id', 'code', name=op.f('uq_blocks_programme_id_code'))
    )
    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.CheckConstraint('end_date > start_date', name=op.f('ck_cohorts_dates_in_order')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_cohorts_programme_id_programmes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_cohorts_site_id_sites'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('name', name=op.f('uq_cohorts_name'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohorts_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohorts_site_id'), ['site_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('learner', 'trainer', 'manager', 'admin', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_users_learner_id_learners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('learner_id', name=op.f('uq_users_learner_id'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_audit_events_learner_id_learners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_learner_id'), ['learner_id'], unique=False)

    op.create_table('cohort_trainers',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_trainers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_trainers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'user_id', name=op.f('pk_cohort_trainers'))
    )
    op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['blocks.id'], name=op.f('fk_competencies_block_id_blocks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies')),
    sa.UniqueConstraint('block_id', 'code', name=op.f('uq_competencies_block_id_code'))
    )
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_training', 'dropped', 'finished', name='enrolment_status', native_enum=False, create_constraint=True), server_default='in_training', nullable=False),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('dropout_reason', sa.Enum('job', 'health', 'family', 'financial', 'motivation', 'moved', 'excluded', 'other', name='dropout_reason', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('certification', sa.Enum('obtained', 'partial', 'failed', 'absent', 'pending', name='certification', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('age_band', sa.Enum('under_26', '26_44', '45_plus', name='age_band', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("(status = 'dropped') = (dropout_reason IS NOT NULL)", name=op.f('ck_enrolments_dropout_reason_iff_dropped')),
    sa.CheckConstraint("(status = 'in_training') = (exit_date IS NULL)", name=op.f('ck_enrolments_exit_date_iff_left')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_enrolments_cohort_id_cohorts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_enrolments_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('learner_id', 'cohort_id', name=op.f('uq_enrolments_learner_id_cohort_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_learner_id'), ['learner_id'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('context', sa.Text(), server_default='', nullable=False),
    sa.Column('deliverables', sa.Text(), server_default='', nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_projects_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('competency_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 3', name=op.f('ck_competency_assessments_level_range')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_competency_assessments_assessed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_assessments_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_competency_assessments_learner_id_learners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_competency_assessments_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_assessments'))
    )
    with op.batch_alter_table('competency_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_assessments_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index('ix_competency_assessments_current', ['learner_id', 'competency_id', 'assessed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_competency_assessments_project_id'), ['project_id'], unique=False)

    op.create_table('grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('score_hundredths', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'late', 'missing', name='submission_status', native_enum=False, create_constraint=True), server_default='submitted', nullable=False),
    sa.Column('feedback', sa.Text(), server_default='', nullable=False),
    sa.Column('graded_by_id', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('score_hundredths BETWEEN 0 AND 2000', name=op.f('ck_grades_score_range')),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_grades_graded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_grades_learner_id_learners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_grades_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grades')),
    sa.UniqueConstraint('learner_id', 'project_id', name=op.f('uq_grades_learner_id_project_id'))
    )
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grades_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grades_project_id'), ['project_id'], unique=False)

    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('point', sa.Integer(), nullable=False),
    sa.Column('situation', sa.Enum('cdi', 'cdd_long', 'business', 'cdd_short', 'work_study', 'training', 'job_search', 'inactive', 'unknown', name='situation', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('employer', sa.String(length=200), server_default='', nullable=False),
    sa.Column('job_title', sa.String(length=200), server_default='', nullable=False),
    sa.Column('digital', sa.Boolean(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('point IN (0, 3, 6, 12)', name=op.f('ck_outcomes_point_values')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_outcomes_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcomes_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('enrolment_id', 'point', name=op.f('uq_outcomes_enrolment_id_point'))
    )
    op.create_table('project_competencies',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('target_level', sa.Integer(), nullable=False),
    sa.CheckConstraint('target_level BETWEEN 1 AND 3', name=op.f('ck_project_competencies_target_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_project_competencies_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_competencies_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'competency_id', name=op.f('pk_project_competencies'))
    )


def downgrade():
    op.drop_table('project_competencies')
    op.drop_table('outcomes')
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grades_project_id'))
        batch_op.drop_index(batch_op.f('ix_grades_learner_id'))

    op.drop_table('grades')
    with op.batch_alter_table('competency_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competency_assessments_project_id'))
        batch_op.drop_index('ix_competency_assessments_current')
        batch_op.drop_index(batch_op.f('ix_competency_assessments_competency_id'))

    op.drop_table('competency_assessments')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_cohort_id'))

    op.drop_table('projects')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_learner_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_cohort_id'))

    op.drop_table('enrolments')
    op.drop_table('competencies')
    op.drop_table('cohort_trainers')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_learner_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    op.drop_table('users')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohorts_site_id'))
        batch_op.drop_index(batch_op.f('ix_cohorts_programme_id'))

    op.drop_table('cohorts')
    op.drop_table('blocks')
    op.drop_table('sites')
    op.drop_table('programmes')
    op.drop_table('learners')
