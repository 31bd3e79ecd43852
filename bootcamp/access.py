"""Who may see or change what: the one place that decides, used by every route.

A learner sees only their own records, a trainer only the cohorts they are assigned to, a
manager everything of the programme, an admin the accounts. Out-of-scope records answer 404,
so that ids do not leak.
"""

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import wraps
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice, SelectField

from .extensions import db
from .labels import label
from .models import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Block,
    Cohort,
    Competency,
    DpExample,
    DropoutReason,
    EcfSituation,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamSession,
    HalfDay,
    Learner,
    OutboxMessage,
    Placement,
    Programme,
    ProgrammePage,
    Project,
    PublicFlag,
    Referrer,
    Role,
    Site,
    SurveyCampaign,
    User,
    cohort_trainers,
)
from .public.slugs import slugify

F = TypeVar("F", bound=Callable[..., Any])


class Action(StrEnum):
    """What a person may do in the app; PERMISSIONS says which roles may do each."""

    SEE_OWN_PROGRESS = "see_own_progress"  # a learner's own page and data
    TEACH = "teach"  # the cohorts one works on: roster, enrolments, competency grid, briefs, grades
    FINISH_COHORTS = "finish_cohorts"  # record the end of the programme for a cohort, undo an exit (resume)
    MANAGE_COHORTS = "manage_cohorts"  # create and change cohorts, import their learners; every cohort
    SEE_LEARNER_FILES = "see_learner_files"  # a learner's whole file, its export, its erasure
    FOLLOW_OUTCOMES = "follow_outcomes"  # the follow-ups due, recording and importing situations
    SEE_REPORTS = "see_reports"  # the insertion dashboard and its exports
    READ_AUDIT = "read_audit"  # the journal of changes
    MANAGE_ACCOUNTS = "manage_accounts"  # user accounts
    SEE_SENSITIVE = "see_sensitive"  # disability, RSA, QPV, birth dates, a dropout for health, a Cap emploi referral
    MANAGE_EXAMS = "manage_exams"  # exam sessions, their candidates and results, the results import
    READ_OUTBOX = "read_outbox"  # every email the app wrote (/admin/outbox): sent, waiting, given up
    MANAGE_SURVEYS = "manage_surveys"  # the questionnaires' statements, opening campaigns, every cohort's answers
    READ_SURVEY_ANSWERS = "read_survey_answers"  # a cohort's questionnaires: rates and free texts, without names
    HAND_IN = "hand_in"  # a learner hands in their work on their cohort's briefs, and sees their own versions
    SAY_HIRED_BY_HOST = "say_hired_by_host"  # tick « embauché·e par l'entreprise d'accueil » on a placement
    PUBLISH_PAGES = "publish_pages"  # write, preview and publish the programmes' public pages (/p/)


# The one table of what each role may do: routes (role_required), the navigation (templating) and the
# templates (can) all read it.
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.SEE_OWN_PROGRESS: frozenset({Role.LEARNER}),
    Action.TEACH: frozenset({Role.TRAINER, Role.MANAGER}),
    Action.FINISH_COHORTS: frozenset({Role.TRAINER, Role.MANAGER}),  # as the enrolment form: the cohort's staff
    Action.MANAGE_COHORTS: frozenset({Role.MANAGER}),
    Action.SEE_LEARNER_FILES: frozenset({Role.MANAGER}),
    Action.FOLLOW_OUTCOMES: frozenset({Role.MANAGER}),
    Action.SEE_REPORTS: frozenset({Role.MANAGER}),
    Action.READ_AUDIT: frozenset({Role.MANAGER, Role.ADMIN}),
    Action.MANAGE_ACCOUNTS: frozenset({Role.ADMIN}),
    Action.SEE_SENSITIVE: frozenset({Role.MANAGER}),
    Action.MANAGE_EXAMS: frozenset({Role.MANAGER}),
    Action.READ_OUTBOX: frozenset({Role.ADMIN}),
    Action.MANAGE_SURVEYS: frozenset({Role.MANAGER}),
    Action.READ_SURVEY_ANSWERS: frozenset({Role.TRAINER, Role.MANAGER}),  # a trainer: their cohorts' only
    Action.HAND_IN: frozenset({Role.LEARNER}),
    Action.SAY_HIRED_BY_HOST: frozenset({Role.MANAGER}),  # as the outcomes it stands beside
    Action.PUBLISH_PAGES: frozenset({Role.MANAGER}),  # they answer for the figures to funders and auditors
}

HOME_ENDPOINTS = {
    Role.LEARNER: "learners.me",
    Role.TRAINER: "cohorts.index",
    Role.MANAGER: "reports.dashboard",
    Role.ADMIN: "users.index",
}


# Sensitive data, the one list: health and social data (GDPR art. 9 for RQTH) and the birth date are shown to
# managers only, and masked (•••) in the journal for anyone else.
SENSITIVE_FLAGS = frozenset({PublicFlag.QPV, PublicFlag.RQTH, PublicFlag.RSA})
SENSITIVE_FIELDS = frozenset({*(flag.value for flag in SENSITIVE_FLAGS), "birth_date"})
# Values that are sensitive in ordinary fields: a dropout for health, a referral by Cap emploi (the prescriber of
# disabled people). Others see, in their place, one word for a pool of values of the field that holds ordinary
# ones too, so that the masked word does not single the sensitive one out.
# An absence for sickness is health data too (the field `reason` of an attendance record).
SENSITIVE_VALUES = {
    "dropout_reason": frozenset({DropoutReason.HEALTH}),
    "referrer": frozenset({Referrer.CAP_EMPLOI}),
    "reason": frozenset({AbsenceReason.SICKNESS}),
}
POOLED = {
    "dropout_reason": frozenset({DropoutReason.HEALTH, DropoutReason.FAMILY, DropoutReason.OTHER}),
    "referrer": frozenset({Referrer.CAP_EMPLOI, Referrer.OTHER}),
    "reason": frozenset({AbsenceReason.SICKNESS, AbsenceReason.FAMILY, AbsenceReason.OTHER}),
}


def may(user: User, action: Action | str) -> bool:
    """Whether `user` may do `action` (a name of Action): PERMISSIONS."""
    return user.is_authenticated and user.role in PERMISSIONS[Action(action)]


def can(action: Action | str) -> bool:
    """Whether the current user may do `action` (templates: `can("manage_cohorts")`)."""
    return may(current_user, action)


def role_required(action: Action | str) -> Callable[[F], F]:
    """Require a logged-in user whose role may do `action` (PERMISSIONS); anyone else gets 404.

    The action is checked when the route is defined, so that a misspelt one fails at import.
    """
    action = Action(action)

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(current_user, action):
                refuse()
            return view(*args, **kwargs)

        wrapped.action = action  # type: ignore[attr-defined]  # read by the navigation's test
        return wrapped  # type: ignore[return-value]

    return decorator


def refuse() -> NoReturn:
    """Answer 404 to an out-of-scope request, and log it (the account number only, nothing personal)."""
    current_app.logger.info("access refused user=%s endpoint=%s", getattr(current_user, "id", None), request.endpoint)
    abort(404)


def home_endpoint(user: User) -> str:
    """The endpoint each role lands on after logging in."""
    return HOME_ENDPOINTS[user.role]


def can_see_sensitive(user: User) -> bool:
    """Disability (RQTH), RSA, QPV, birth dates, a dropout for health, a Cap emploi referral: managers only."""
    return may(user, Action.SEE_SENSITIVE)


HIDDEN = "•••"
KEPT = "kept"  # a form's choice that stands for a recorded value its user may not see: « unchanged »
POOL_LABELS = {
    "dropout_reason": _l("motif personnel ou autre"),
    "referrer": _l("autre prescripteur"),
    "reason": _l("raison personnelle ou autre"),
}


def is_pooled(name: str, value: object, user: User) -> bool:
    """Whether `user` sees the pool's word instead of this value of the field `name`."""
    return value in POOLED.get(name, ()) and not can_see_sensitive(user)


def masked(values: dict[str, Any] | None, user: User) -> dict[str, Any] | None:
    """An audit event's values with the sensitive ones hidden (•••) from those who may not see them: the
    sensitive fields whatever their value, and every value of a pool that holds a sensitive one."""
    if values is None or can_see_sensitive(user):
        return values
    return {
        key: HIDDEN if key in SENSITIVE_FIELDS or is_pooled(key, value, user) else value
        for key, value in values.items()
    }


def private_label(name: str, value: StrEnum | None) -> str:
    """The screen word for a value of the field `name`, as the current user may see it (templates)."""
    if value is not None and is_pooled(name, value, current_user):
        return str(POOL_LABELS[name])
    return label(value)


def keep_hidden_choice(field: SelectField, name: str, recorded: StrEnum | None, user: User) -> None:
    """On a form, a recorded value `user` may not see is not preselected: a « kept » choice stands for it (the
    other choices stay, so a trainer may still record a dropout for health). See kept_value."""
    if recorded is None or not is_pooled(name, recorded, user):
        return
    field.choices = [SelectChoice(KEPT, _l("%(pool)s (inchangé)", pool=POOL_LABELS[name])), *field.choices]
    if field.raw_data is None or not field.raw_data:  # not posted: show the kept choice
        field.data = KEPT


def kept_value(posted: str | None, recorded: StrEnum | None) -> str | None:
    """The value a form means: the recorded one when the « kept » choice was left."""
    return (recorded.value if recorded is not None else None) if posted == KEPT else posted


def visible_cohorts(user: User) -> sa.Select[tuple[Cohort]]:
    """The cohorts `user` may see: all for a manager, assigned ones for a trainer, else none."""
    query = sa.select(Cohort)
    if user.role == Role.MANAGER:
        return query
    if user.role == Role.TRAINER:
        return query.join(cohort_trainers, cohort_trainers.c.cohort_id == Cohort.id).where(
            cohort_trainers.c.user_id == user.id
        )
    return query.where(sa.false())


def visible_learners(user: User) -> sa.Select[tuple[Learner]]:
    """The learners `user` may see: all, those of their cohorts, or themselves."""
    query = sa.select(Learner)
    if user.role == Role.MANAGER:
        return query
    if user.role == Role.TRAINER:
        their_cohorts = visible_cohorts(user).with_only_columns(Cohort.id)
        enrolled = sa.select(Enrolment.learner_id).where(Enrolment.cohort_id.in_(their_cohorts))
        return query.where(Learner.id.in_(enrolled))
    if user.role == Role.LEARNER and user.learner_id is not None:
        return query.where(Learner.id == user.learner_id)
    return query.where(sa.false())


def get_cohort_or_404(cohort_id: int, user: User) -> Cohort:
    """The cohort if `user` may see it, else 404 (with its site and programme, which every cohort page shows)."""
    cohort = db.session.scalar(
        visible_cohorts(user)
        .where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.site), joinedload(Cohort.programme))
    )
    if cohort is None:
        refuse()
    return cohort


def get_learner_or_404(learner_id: int, user: User) -> Learner:
    """The learner if `user` may see them, else 404."""
    learner = db.session.scalar(visible_learners(user).where(Learner.id == learner_id))
    if learner is None:
        refuse()
    return learner


def get_project_or_404(project_id: int, user: User) -> Project:
    """The project if its cohort is one `user` may see, else 404."""
    visible = visible_cohorts(user).with_only_columns(Cohort.id)
    project = db.session.scalar(sa.select(Project).where(Project.id == project_id, Project.cohort_id.in_(visible)))
    if project is None:
        refuse()
    return project


def get_own_brief_or_404(project_id: int, user: User) -> Project:
    """The brief if it belongs to a cohort the learner `user` is enrolled in (to read it), else 404."""
    their_cohorts = sa.select(Enrolment.cohort_id).where(
        Enrolment.learner_id == user.learner_id, Enrolment.learner_id.is_not(None)
    )
    project = db.session.scalar(
        sa.select(Project)
        .options(joinedload(Project.cohort))
        .where(Project.id == project_id, Project.cohort_id.in_(their_cohorts))
    )
    if project is None:
        refuse()
    return project


def get_learner_and_competency_or_404(
    cohort: Cohort, learner_id: int, competency_id: int
) -> tuple[Learner, Competency]:
    """The learner if enrolled in `cohort` (already checked with get_cohort_or_404), the competency if in its
    programme; else 404."""
    learner = db.session.scalar(
        sa.select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Learner.id == learner_id, Enrolment.cohort_id == cohort.id)
    )
    competency = db.session.scalar(
        sa.select(Competency)
        .join(Block, Block.id == Competency.block_id)
        .where(Competency.id == competency_id, Block.programme_id == cohort.programme_id)
    )
    if learner is None or competency is None:
        refuse()
    return learner, competency


def get_leaver_enrolment_or_404(enrolment_id: int, user: User) -> Enrolment:
    """The enrolment if it has ended (a leaver's, whose situation is followed up) and `user` may see its
    learner, else 404."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not enrolment.is_leaver:
        refuse()
    get_learner_or_404(enrolment.learner_id, user)
    return enrolment


def get_enrolment_or_404(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """The enrolment if it belongs to `cohort` (already checked with get_cohort_or_404), else 404."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        refuse()
    return enrolment


def get_cohort_enrolment_or_404(cohort: Cohort, learner_id: int) -> Enrolment:
    """The learner's enrolment in `cohort` (already checked with get_cohort_or_404), with the learner; else 404."""
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.learner))
        .where(Enrolment.cohort_id == cohort.id, Enrolment.learner_id == learner_id)
    )
    if enrolment is None:
        refuse()
    return enrolment


def get_attendance_session_or_404(cohort: Cohort, day: date, half_day: str) -> AttendanceSession:
    """The cohort's half-day (`cohort` already checked with get_cohort_or_404; `half_day` "am" or "pm"), else 404."""
    if half_day not in {member.value for member in HalfDay}:
        refuse()
    session = db.session.scalar(
        sa.select(AttendanceSession).where(
            AttendanceSession.cohort_id == cohort.id,
            AttendanceSession.day == day,
            AttendanceSession.half_day == HalfDay(half_day),
        )
    )
    if session is None:
        refuse()
    return session


def visible_attendance_records(user: User) -> sa.Select[tuple[AttendanceRecord]]:
    """The attendance records `user` may see: all for a manager, their cohorts' for a trainer, their own for a
    learner (a proof of absence, its justification)."""
    query = sa.select(AttendanceRecord).join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
    if user.role == Role.MANAGER:
        return query
    if user.role == Role.TRAINER:
        return query.where(Enrolment.cohort_id.in_(visible_cohorts(user).with_only_columns(Cohort.id)))
    if user.role == Role.LEARNER and user.learner_id is not None:
        return query.where(Enrolment.learner_id == user.learner_id)
    return query.where(sa.false())


def get_attendance_record_or_404(record_id: int, user: User) -> AttendanceRecord:
    """The attendance record if `user` may see it (visible_attendance_records), with its session; else 404."""
    record = db.session.scalar(
        visible_attendance_records(user)
        .options(joinedload(AttendanceRecord.session))
        .where(AttendanceRecord.id == record_id)
    )
    if record is None:
        refuse()
    return record


def any_role_required(*actions: Action | str) -> Callable[[F], F]:
    """Require a logged-in user whose role may do one of `actions`: a page several roles open, each scoped by its
    getter (a proof of absence: the learner, their cohort's trainers, managers). Anyone else gets 404."""
    wanted = tuple(Action(action) for action in actions)

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not any(may(current_user, action) for action in wanted):
                refuse()
            return view(*args, **kwargs)

        wrapped.actions = wanted  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def get_cohort_session_or_404(cohort: Cohort, session_id: int | None) -> AttendanceSession:
    """The half-day numbered `session_id` if it belongs to `cohort` (already checked with get_cohort_or_404), else
    404."""
    session = db.session.get(AttendanceSession, session_id) if session_id is not None else None
    if session is None or session.cohort_id != cohort.id:
        refuse()
    return session


# Certification (issue 16): the livret (ECF) and the Dossier Professionnel of an enrolment are seen by whoever may
# see its learner (the learner, their cohort's trainers, managers); exam sessions are managers' (MANAGE_EXAMS).


def visible_enrolments(user: User) -> sa.Select[tuple[Enrolment]]:
    """The enrolments `user` may see: all for a manager, their cohorts' for a trainer, their own for a learner."""
    query = sa.select(Enrolment)
    if user.role == Role.MANAGER:
        return query
    if user.role == Role.TRAINER:
        return query.where(Enrolment.cohort_id.in_(visible_cohorts(user).with_only_columns(Cohort.id)))
    if user.role == Role.LEARNER and user.learner_id is not None:
        return query.where(Enrolment.learner_id == user.learner_id)
    return query.where(sa.false())


def get_learner_enrolment_or_404(learner_id: int, user: User) -> Enrolment:
    """The learner's latest enrolment that `user` may see (a trainer: in one of their cohorts), with its learner,
    cohort and programme (its blocks and competencies load on demand); else 404."""
    enrolment = db.session.scalar(
        visible_enrolments(user)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.learner_id == learner_id)
        .options(
            joinedload(Enrolment.learner),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
        )
        .order_by(Cohort.start_date.desc(), Enrolment.id.desc())
        .limit(1)
    )
    if enrolment is None:
        refuse()
    return enrolment


def get_own_enrolment_or_404(user: User) -> Enrolment:
    """The learner `user`'s latest enrolment (their livret and Dossier Professionnel), else 404."""
    if user.learner_id is None:
        refuse()
    return get_learner_enrolment_or_404(user.learner_id, user)


def get_ecf_situation_or_404(enrolment: Enrolment, situation_id: int) -> EcfSituation:
    """The evaluation situation if it belongs to `enrolment` (already checked), else 404."""
    situation = db.session.get(EcfSituation, situation_id)
    if situation is None or situation.enrolment_id != enrolment.id:
        refuse()
    return situation


def get_dp_example_or_404(example_id: int, user: User) -> DpExample:
    """The Dossier Professionnel example if `user` may see its enrolment (visible_enrolments), else 404."""
    visible = visible_enrolments(user).with_only_columns(Enrolment.id)
    example = db.session.scalar(
        sa.select(DpExample).where(DpExample.id == example_id, DpExample.enrolment_id.in_(visible))
    )
    if example is None:
        refuse()
    return example


def get_exam_session_or_404(session_id: int) -> ExamSession:
    """The exam session, with its programme (routes are MANAGE_EXAMS: managers see every session), else 404."""
    session = db.session.scalar(
        sa.select(ExamSession).options(joinedload(ExamSession.programme)).where(ExamSession.id == session_id)
    )
    if session is None:
        refuse()
    return session


def get_exam_candidate_or_404(session: ExamSession, candidate_id: int) -> ExamCandidate:
    """The candidate if registered at `session` (already checked), else 404."""
    candidate = db.session.get(ExamCandidate, candidate_id)
    if candidate is None or candidate.session_id != session.id:
        refuse()
    return candidate


def get_programme_or_404(programme_id: int) -> Programme:
    """A programme (every role that reaches a programme's page may see the titles), else 404."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        refuse()
    return programme


def get_campaign_or_404(campaign_id: int, user: User) -> SurveyCampaign:
    """A satisfaction campaign if `user` may see its cohort (visible_cohorts: every one for a manager, their own for
    a trainer), with its cohort, else 404."""
    visible = visible_cohorts(user).with_only_columns(Cohort.id)
    campaign = db.session.scalar(
        sa.select(SurveyCampaign)
        .options(joinedload(SurveyCampaign.cohort))
        .where(SurveyCampaign.id == campaign_id, SurveyCampaign.cohort_id.in_(visible))
    )
    if campaign is None:
        refuse()
    return campaign


def get_outbox_message_or_404(message_id: int) -> OutboxMessage:
    """A message of the outbox (READ_OUTBOX: admins read every one), else 404."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        refuse()
    return message


def get_placement_or_404(placement_id: int, user: User) -> Placement:
    """A placement if `user` may see its enrolment (visible_enrolments: a manager every one, a trainer their cohorts',
    a learner their own), with its enrolment, learner and cohort, else 404. Changing it needs TEACH besides."""
    placement = db.session.scalar(
        sa.select(Placement)
        .options(joinedload(Placement.enrolment).joinedload(Enrolment.learner))
        .options(joinedload(Placement.enrolment).joinedload(Enrolment.cohort))
        .where(Placement.id == placement_id)
        .where(Placement.enrolment_id.in_(visible_enrolments(user).with_only_columns(Enrolment.id)))
    )
    if placement is None:
        refuse()
    return placement


def get_cohort_learner_enrolment_or_404(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of `cohort` (already checked) that is not dropped, with its learner: a placement is made for it."""
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.learner))
        .where(Enrolment.id == enrolment_id, Enrolment.cohort_id == cohort.id)
        .where(Enrolment.status != EnrolmentStatus.DROPPED)
    )
    if enrolment is None:
        refuse()
    return enrolment


def get_published_page_or_404(slug: str) -> ProgrammePage:
    """A programme's public page, for anyone (no login): only once published; otherwise, as an unknown address, 404."""
    page = db.session.scalar(
        sa.select(ProgrammePage)
        .options(joinedload(ProgrammePage.programme))
        .where(ProgrammePage.slug == slug, ProgrammePage.published)
    )
    if page is None:
        abort(404)
    return page


def get_public_site_or_404(page: ProgrammePage, site_slug: str) -> Site:
    """A site of a published page's programme, by its slug (public/slugs.py): one that holds or held a cohort of it."""
    for site in programme_sites(page.programme_id):
        if slugify(site.name) == site_slug:
            return site
    abort(404)


def programme_sites(programme_id: int) -> list[Site]:
    """The sites that hold or held a cohort of the programme, by name: a public page's variants."""
    return list(
        db.session.scalars(
            sa.select(Site)
            .where(Site.id.in_(sa.select(Cohort.site_id).where(Cohort.programme_id == programme_id)))
            .order_by(Site.name)
        )
    )
