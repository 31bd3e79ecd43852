"""Everything the app holds about one learner, as plain data (the right of access and portability), its erasure,
and the keeping periods the purge applies (`flask purge`).

Keeping periods: a learner's personal data is erased RETENTION_YEARS (5) after their last exit; their attendance
records, exam candidacies and results stay, anonymous, for the statistics (and the sign-in sheets keep their
hours and signatures' times). The proofs of absence (stored files) are kept PROOF_RETENTION_YEARS (6) after the
end of their cohort, whatever happened to the learner, then deleted: the justification itself (accepted or
refused) stays on the record.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from . import dates
from .audit import plain, record
from .dates import add_months
from .extensions import db
from .handins.queries import learner_statuses
from .models import (
    AttendanceRecord,
    AttendanceSession,
    AuditEvent,
    Cohort,
    CompetencyAssessment,
    DpExample,
    EcfBlock,
    EcfCompetency,
    EcfSituation,
    Enrolment,
    ExamCandidate,
    ExamResult,
    ExamSession,
    FollowUpRequest,
    Grade,
    HandIn,
    Learner,
    OutboxMessage,
    Outcome,
    Placement,
    StoredFile,
    SubmissionStatus,
    SurveyCampaign,
    SurveyInvitation,
    TutorReview,
    User,
    utcnow,
)

SECRET_COLUMNS = ("password_hash", "session_token")  # never exported, not even to their owner


def _row(instance: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row, JSON-friendly."""
    return {
        column.key: plain(getattr(instance, column.key))
        for column in sa.inspect(type(instance)).columns
        if column.key not in skip
    }


@dataclass(frozen=True)
class LearnerRows:
    """Every row the app holds about a learner: the JSON export and the page `/me/data` both give these."""

    learner: Learner
    enrolments: list[Enrolment]
    grades: list[Grade]
    assessments: list[CompetencyAssessment]
    outcomes: list[Outcome]
    accounts: list[User]
    events: list[AuditEvent]
    attendance: list[AttendanceRecord]  # with their half-day, its cohort and the proof's name (not its bytes)
    certification: "CertificationRows"
    follow_ups: list[FollowUpRequest] = field(default_factory=list)  # follow-up points asked by email
    # Questionnaires they were invited to (whether they answered; never what: answers are anonymous)
    surveys: list[SurveyInvitation] = field(default_factory=list)
    # Company placements (issue 18), with their agreement (name and type, not the bytes) and the tutor's forms
    placements: list[Placement] = field(default_factory=list)
    # Hand-ins (issue 18): every version of their work on briefs, with the brief
    hand_ins: list[HandIn] = field(default_factory=list)
    # Their status on each brief of their cohorts (handins/status.py), by project id: the grades' « status »
    statuses: dict[int, SubmissionStatus] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificationRows:
    """The learner's livret (ECF situations with their competencies, block summaries), Dossier Professionnel
    examples, and exam candidacies with their session and per-block results."""

    ecf_situations: list[EcfSituation]
    ecf_blocks: list[EcfBlock]
    dp_examples: list[DpExample]
    candidacies: list[ExamCandidate]


def learner_rows(learner: Learner) -> LearnerRows:
    """The learner's file, enrolments, grades, levels, situations, accounts, journal, attendance (eight queries)
    and certification (four)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(
            joinedload(Enrolment.cohort).joinedload(Cohort.site),
            joinedload(Enrolment.cohort).joinedload(Cohort.programme),
        )
        .where(Enrolment.learner_id == learner.id)
        .order_by(Enrolment.id)
    ).all()
    grades = db.session.scalars(
        sa.select(Grade)
        .options(joinedload(Grade.project), joinedload(Grade.graded_by))
        .where(Grade.learner_id == learner.id)
        .order_by(Grade.graded_at, Grade.id)
    ).all()
    assessments = db.session.scalars(
        sa.select(CompetencyAssessment)
        .options(
            joinedload(CompetencyAssessment.competency),
            joinedload(CompetencyAssessment.project),
            joinedload(CompetencyAssessment.assessed_by),
        )
        .where(CompetencyAssessment.learner_id == learner.id)
        .order_by(CompetencyAssessment.assessed_at, CompetencyAssessment.id)
    ).all()
    outcomes = db.session.scalars(
        sa.select(Outcome)
        .join(Enrolment, Enrolment.id == Outcome.enrolment_id)
        .options(joinedload(Outcome.enrolment).joinedload(Enrolment.cohort))
        .where(Enrolment.learner_id == learner.id)
        .order_by(Outcome.id)
    ).all()
    found = (enrolments, grades, assessments, outcomes, *account_rows(learner))
    return LearnerRows(
        learner,
        *(list(rows) for rows in found),
        attendance_rows(learner),
        certification_rows(learner),
        *emailed_rows(learner), placements=placement_rows(learner), **hand_in_rows(learner),
    )


def account_rows(learner: Learner) -> tuple[list[User], list[AuditEvent]]:
    """The learner's accounts, and the journal's entries about them, oldest first (two queries)."""
    accounts = db.session.scalars(sa.select(User).where(User.learner_id == learner.id).order_by(User.id)).all()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.learner_id == learner.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return list(accounts), list(events)


def hand_in_rows(learner: Learner) -> dict[str, Any]:
    """The learner's hand-ins, oldest version first, with their brief and who recorded one for them, and their
    status on each brief of their cohorts (two queries): LearnerRows' hand_ins and statuses."""
    versions = db.session.scalars(
        sa.select(HandIn)
        .options(joinedload(HandIn.project), joinedload(HandIn.recorded_by))
        .where(HandIn.learner_id == learner.id)
        .order_by(HandIn.handed_in_at, HandIn.id)
    )
    return {"hand_ins": list(versions), "statuses": learner_statuses(learner.id, dates.today())}


def placement_rows(learner: Learner) -> list[Placement]:
    """The learner's placements with their cohort, agreement (its bytes stay deferred) and tutor's forms (two
    queries)."""
    return list(
        db.session.scalars(
            sa.select(Placement)
            .join(Enrolment, Enrolment.id == Placement.enrolment_id)
            .options(
                joinedload(Placement.enrolment).joinedload(Enrolment.cohort),
                joinedload(Placement.agreement),
                selectinload(Placement.reviews),
            )
            .where(Enrolment.learner_id == learner.id)
            .order_by(Placement.start_date, Placement.id)
        )
    )


def _placement_row(placement: Placement) -> dict[str, Any]:
    """A placement with its cohort's name, its agreement by name, type and size, and the tutor's forms."""
    agreement = placement.agreement
    return {
        **_row(placement),
        "cohort": placement.enrolment.cohort.name,
        "agreement": None
        if agreement is None
        else {"filename": agreement.filename, "content_type": agreement.content_type, "size": agreement.size},
        "tutor_reviews": [_row(review) for review in sorted(placement.reviews, key=lambda review: review.id)],
    }


def follow_up_rows(learner: Learner) -> list[FollowUpRequest]:
    """The follow-up points asked of the learner by email (one query)."""
    return list(
        db.session.scalars(
            sa.select(FollowUpRequest)
            .join(Enrolment, Enrolment.id == FollowUpRequest.enrolment_id)
            .where(Enrolment.learner_id == learner.id)
            .order_by(FollowUpRequest.id)
        )
    )


def emailed_rows(learner: Learner) -> tuple[list[FollowUpRequest], list[SurveyInvitation]]:
    """What was asked of the learner by email: follow-up points, questionnaires (two queries)."""
    return follow_up_rows(learner), survey_rows(learner)


def survey_rows(learner: Learner) -> list[SurveyInvitation]:
    """The satisfaction questionnaires the learner was invited to, with their campaign and cohort (one query)."""
    return list(
        db.session.scalars(
            sa.select(SurveyInvitation)
            .join(Enrolment, Enrolment.id == SurveyInvitation.enrolment_id)
            .options(joinedload(SurveyInvitation.campaign).joinedload(SurveyCampaign.cohort))
            .where(Enrolment.learner_id == learner.id)
            .order_by(SurveyInvitation.id)
        )
    )


def certification_rows(learner: Learner) -> CertificationRows:
    """The learner's ECF situations, block summaries, DP examples and exam candidacies, with their blocks,
    competencies, sessions and results (four queries, whatever their number)."""
    mine = sa.select(Enrolment.id).where(Enrolment.learner_id == learner.id)
    situations = db.session.scalars(
        sa.select(EcfSituation)
        .options(
            joinedload(EcfSituation.block),
            joinedload(EcfSituation.competencies).joinedload(EcfCompetency.competency),
        )
        .where(EcfSituation.enrolment_id.in_(mine))
        .order_by(EcfSituation.held_on, EcfSituation.id)
    ).unique()
    summaries = db.session.scalars(
        sa.select(EcfBlock)
        .options(joinedload(EcfBlock.block))
        .where(EcfBlock.enrolment_id.in_(mine))
        .order_by(EcfBlock.id)
    )
    examples = db.session.scalars(
        sa.select(DpExample)
        .options(joinedload(DpExample.block), joinedload(DpExample.reviewed_by))
        .where(DpExample.enrolment_id.in_(mine))
        .order_by(DpExample.block_id, DpExample.position)
    )
    candidacies = db.session.scalars(
        sa.select(ExamCandidate)
        .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
        .options(
            joinedload(ExamCandidate.session).joinedload(ExamSession.programme),
            joinedload(ExamCandidate.results).joinedload(ExamResult.block),
        )
        .where(ExamCandidate.enrolment_id.in_(mine))
        .order_by(ExamSession.start_date, ExamCandidate.id)
    ).unique()
    return CertificationRows(*(list(rows) for rows in (situations, summaries, examples, candidacies)))


def attendance_rows(learner: Learner) -> list[AttendanceRecord]:
    """The learner's roll-call records, by day and half-day, with the half-day, its cohort and the proof's
    name and type loaded (one query; the proof's bytes stay deferred)."""
    return list(
        db.session.scalars(
            sa.select(AttendanceRecord)
            .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
            .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
            .options(
                joinedload(AttendanceRecord.session).joinedload(AttendanceSession.cohort),
                joinedload(AttendanceRecord.proof),
            )
            .where(Enrolment.learner_id == learner.id)
            .order_by(AttendanceSession.day, AttendanceSession.half_day, AttendanceRecord.id)
        )
    )


def _attendance_row(record: AttendanceRecord) -> dict[str, Any]:
    """A roll-call record with its half-day in words a program can read; the proof by name and type only."""
    proof = record.proof
    return {
        **_row(record),
        "cohort": record.session.cohort.name,
        "day": plain(record.session.day),
        "half_day": plain(record.session.half_day),
        "starts_at": record.session.starts_at.isoformat(timespec="minutes"),
        "ends_at": record.session.ends_at.isoformat(timespec="minutes"),
        "planned_minutes": record.session.planned_minutes,
        "proof": None if proof is None else {"filename": proof.filename, "content_type": proof.content_type},
    }


def learner_export(learner: Learner) -> dict[str, Any]:
    """Every row of every table that refers to the learner (passwords excepted), with readable names."""
    rows = learner_rows(learner)
    enrolments, accounts = rows.enrolments, rows.accounts
    grades, assessments, outcomes, events = (
        sorted(found, key=lambda row: row.id) for found in (rows.grades, rows.assessments, rows.outcomes, rows.events)
    )
    return {
        "learner": _row(learner),
        "enrolments": [
            {
                **_row(enrolment),
                "cohort": enrolment.cohort.name,
                "site": enrolment.cohort.site.name,
                "programme": enrolment.cohort.programme.rncp_code,
            }
            for enrolment in enrolments
        ],
        "grades": [
            {
                **_row(grade),
                "score": plain(grade.score),
                "project": grade.project.title,
                "status": plain(rows.statuses.get(grade.project_id)),  # derived since issue 18 (handins/status.py)
            }
            for grade in grades
        ],
        "competency_assessments": [
            {**_row(assessment), "competency": assessment.competency.code} for assessment in assessments
        ],
        "outcomes": [_row(outcome) for outcome in outcomes],
        "accounts": [_row(account, skip=SECRET_COLUMNS) for account in accounts],
        "audit_events": [_row(event) for event in events],
        "attendance_records": [_attendance_row(record) for record in rows.attendance],
        **certification_export(rows.certification),
        "follow_up_requests": [_row(request) for request in rows.follow_ups],
        "survey_invitations": [
            {**_row(invitation), "kind": invitation.campaign.kind.value, "cohort": invitation.campaign.cohort.name}
            for invitation in rows.surveys
        ],
        "placements": [_placement_row(placement) for placement in rows.placements],
        "hand_ins": [{**_row(version), "project": version.project.title} for version in rows.hand_ins],
    }


def certification_export(rows: CertificationRows) -> dict[str, list[dict[str, Any]]]:
    """The livret, the DP and the exam results, each row with its block's code (and a session's facts)."""
    return {
        "ecf_situations": [
            {
                **_row(situation),
                "block": situation.block.code,
                "competencies": [
                    {"competency": assessed.competency.code, "to_reassess": assessed.to_reassess}
                    for assessed in sorted(situation.competencies, key=lambda item: item.competency.position)
                ],
            }
            for situation in rows.ecf_situations
        ],
        "ecf_blocks": [{**_row(summary), "block": summary.block.code} for summary in rows.ecf_blocks],
        "dp_examples": [{**_row(example), "block": example.block.code} for example in rows.dp_examples],
        "exam_candidacies": [
            {
                **_row(candidate),
                "session": _session(candidate.session),
                "results": [
                    {**_row(result), "block": result.block.code}
                    for result in sorted(candidate.results, key=lambda item: item.block.position)
                ],
            }
            for candidate in rows.candidacies
        ],
    }


def _session(session: ExamSession) -> dict[str, Any]:
    return {**_row(session), "programme": session.programme.rncp_code}


def export_for(user: User) -> dict[str, Any]:
    """What a person gets when they ask for their data: their learner file, or at least their account."""
    if user.learner is not None:
        return learner_export(user.learner)
    # The same keys as a learner's export (docs/personal-data-export.md), empty: a program reading one reads both.
    empty: dict[str, Any] = {key: [] for key in EXPORT_LISTS}
    return {"learner": None, **empty, "accounts": [_row(user, skip=SECRET_COLUMNS)]}


# The lists of an export, after "learner" (documented in docs/personal-data-export.md).
EXPORT_LISTS = (
    "enrolments",
    "grades",
    "competency_assessments",
    "outcomes",
    "accounts",
    "audit_events",
    "attendance_records",
    "ecf_situations",
    "ecf_blocks",
    "dp_examples",
    "exam_candidacies",
    "follow_up_requests",
    "survey_invitations",
    "placements",
    "hand_ins",
)


ERASED = "effacé"
# Personal values that an erasure removes, wherever they stand (the learner's file, free text about them,
# and the values kept by past audit events of that learner).
PERSONAL_KEYS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "personal_email",
        "birth_date",
        "postal_code",
        "phone",
        "comment",
        "feedback",
        "employer",
        "job_title",
        "name",
        "filename",
        "description",
        "points_to_watch",
        "observations",
        "title",
        "review_comment",
        "company_name",
        "siret",
        "city",
        "tutor_name",
        "assessor_name",
        "tutor_role",
        "tutor_email",
        "tutor_phone",
        "activities",
        "appreciation",
        "repository_url",
        "deployed_url",
        "exemption_reason",
    }
)


def erase_learner(learner: Learner) -> None:
    """Remove a learner's personal data and keep the anonymous facts statistics need.

    Gender, age band, publics, diploma, referrer, enrolments, certification (exam candidacies and results, ECF
    and DP results and statuses), levels, scores, the situations after the training and the attendance records
    (hours, absences, justifications) stay, so past indicators do not change. Names, email, phone, birth date,
    postal code, free-text comments, feedback, employers and job titles go, and what was written about the learner
    for the certification (ECF descriptions, points to watch, observations; DP titles and review comments), from
    the audit log too; a linked account is deactivated and anonymised. The
    proofs of absence stay until their keeping period ends (due_proofs), renamed so their names say nothing.
    The erasure itself is audited without the values. The caller commits.
    """
    addresses = {address for address in (learner.email, learner.personal_email) if address}
    learner.first_name, learner.last_name = "Personne", f"effacée n° {learner.id}"
    learner.email, learner.birth_date, learner.postal_code, learner.phone = None, None, None, None
    learner.personal_email, learner.contact_consent = None, False
    learner.erased_at = utcnow()
    enrolment_ids = sa.select(Enrolment.id).where(Enrolment.learner_id == learner.id)
    _erase_addresses(addresses, enrolment_ids)
    db.session.execute(
        sa.update(Grade).where(Grade.learner_id == learner.id).values(feedback="", exemption_reason="")
    )
    # Hand-ins: the links and comments may name the learner; the versions and their times stay (the statuses)
    db.session.execute(
        sa.update(HandIn).where(HandIn.learner_id == learner.id).values(repository_url="", deployed_url="", comment="")
    )
    db.session.execute(
        sa.update(CompetencyAssessment).where(CompetencyAssessment.learner_id == learner.id).values(comment="")
    )
    db.session.execute(
        sa.update(Outcome)
        .where(Outcome.enrolment_id.in_(enrolment_ids))
        .values(employer="", employer_key="", job_title="", city="")
    )
    _erase_certification_texts(enrolment_ids)
    _rename_proofs(enrolment_ids)
    _erase_placements(enrolment_ids)
    if learner.user is not None:
        account = learner.user
        account.email, account.name, account.active = f"effacé-{account.id}@invalid.example", ERASED, False
        account.password_hash, account.learner = None, None
        account.rotate_session_token()
    for event in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == learner.id)):
        event.before = _scrub(event.before)
        event.after = _scrub(event.after)
    record("learner", learner.id, "erase", None, {"erased": True}, learner_id=learner.id)


def _erase_addresses(addresses: set[str], enrolment_ids: sa.Select) -> None:
    """Where messages to the learner went (follow-ups, questionnaires), and the messages themselves: the outbox
    keeps names and addresses in its bodies."""
    db.session.execute(
        sa.update(FollowUpRequest).where(FollowUpRequest.enrolment_id.in_(enrolment_ids)).values(recipient="")
    )
    db.session.execute(
        sa.update(SurveyInvitation).where(SurveyInvitation.enrolment_id.in_(enrolment_ids)).values(recipient=None)
    )
    if addresses:
        db.session.execute(
            sa.delete(OutboxMessage).where(OutboxMessage.recipient.in_(addresses)),
            execution_options={"synchronize_session": False},
        )


def _erase_certification_texts(enrolment_ids: sa.Select) -> None:
    """The free texts about the learner in their livret and DP; results, statuses and dates stay. The rows'
    versions move, so a form opened before the erasure cannot write the texts back."""
    for model, columns in (
        (EcfSituation, ("description", "points_to_watch")),
        (EcfBlock, ("observations",)),
        (DpExample, ("title", "review_comment")),
    ):
        db.session.execute(
            sa.update(model)
            .where(model.enrolment_id.in_(enrolment_ids))
            .values({column: "" for column in columns} | {"version": model.version + 1})
            .execution_options(synchronize_session=False)
        )


def _rename_proofs(enrolment_ids: sa.Select) -> None:
    """A proof's file name may hold the person's name (« arret-dupont.pdf »): it becomes « justificatif-<id> »
    with its extension. The file itself is kept until its keeping period ends (legal obligation)."""
    proofs = sa.select(AttendanceRecord.proof_id).where(AttendanceRecord.enrolment_id.in_(enrolment_ids))
    for stored in db.session.scalars(sa.select(StoredFile).where(StoredFile.id.in_(proofs))):
        extension = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else ""
        stored.filename = f"justificatif-{stored.id}" + (f".{extension}" if extension.isalnum() else "")


def _erase_placements(enrolment_ids: sa.Select) -> None:
    """The placements stay (dates, hours, days confirmed, « hired by host »: the figures), without what names the
    learner or the people around them: the company, its SIRET and city, the tutor, the activities, the tutor's
    appreciations and where their forms went, the tutor's name on their levels. The signed agreements (they name
    the learner and carry signatures) are deleted, and the tutor's messages (they name the learner) with them.
    The rows' versions move, so a form opened before the erasure cannot write the texts back."""
    placements = sa.select(Placement.id).where(Placement.enrolment_id.in_(enrolment_ids))
    agreements = [row for row in db.session.scalars(sa.select(Placement.agreement_id).where(
        Placement.id.in_(placements), Placement.agreement_id.is_not(None)))]
    messages = [row for row in db.session.scalars(sa.select(TutorReview.last_message_id).where(
        TutorReview.placement_id.in_(placements), TutorReview.last_message_id.is_not(None)))]
    db.session.execute(
        sa.update(Placement)
        .where(Placement.id.in_(placements))
        .values(company_name=ERASED, company_key="", siret="", city="", tutor_name=ERASED, tutor_role="",
                tutor_email="", tutor_phone="", activities="", agreement_id=None, version=Placement.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(TutorReview)
        .where(TutorReview.placement_id.in_(placements))
        .values(appreciation="", recipient="", last_message_id=None, version=TutorReview.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(CompetencyAssessment)
        .where(CompetencyAssessment.placement_id.in_(placements))
        .values(assessor_name="")
        .execution_options(synchronize_session=False)
    )
    for model, ids in ((StoredFile, agreements), (OutboxMessage, messages)):
        if ids:
            db.session.execute(
                sa.delete(model).where(model.id.in_(ids)), execution_options={"synchronize_session": False}
            )


def _scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if not values:
        return values
    return {key: ERASED if key in PERSONAL_KEYS and value not in (None, "") else value for key, value in values.items()}


def due_for_erasure(today: date, years: int) -> list[Learner]:
    """Learners not yet erased whose last exit is more than `years` years ago, and who are in no training now."""
    last_exit = sa.func.max(Enrolment.exit_date)
    still_here = sa.select(Enrolment.learner_id).where(~Enrolment.is_leaver)
    old = (
        sa.select(Enrolment.learner_id)
        .group_by(Enrolment.learner_id)
        .having(last_exit < add_months(today, -12 * years))
    )
    return list(
        db.session.scalars(
            sa.select(Learner)
            .options(joinedload(Learner.user), selectinload(Learner.enrolments))
            .where(Learner.erased_at.is_(None), Learner.id.in_(old), Learner.id.not_in(still_here))
            .order_by(Learner.id)
        )
    )


PROOF_RETENTION_YEARS = 6  # proofs of absence: kept 6 years after the end of their cohort (DOMAIN.md), then deleted


def due_proofs(today: date, years: int = PROOF_RETENTION_YEARS) -> sa.Select:
    """The ids of the stored files past their keeping period: the proofs whose every cohort (of the roll calls
    that refer to them) ended more than `years` years before `today` (the anniversary itself is still kept), and
    the files no table refers to any more (a replaced proof) uploaded more than `years` years ago."""
    cutoff = add_months(today, -12 * years)
    proofs = (
        sa.select(AttendanceRecord.proof_id.label("id"))
        .join(AttendanceSession, AttendanceSession.id == AttendanceRecord.session_id)
        .join(Cohort, Cohort.id == AttendanceSession.cohort_id)
        .where(AttendanceRecord.proof_id.is_not(None))
        .group_by(AttendanceRecord.proof_id)
        .having(sa.func.max(Cohort.end_date) < cutoff)
    )
    referring = [
        foreign_key.parent
        for table in db.metadata.sorted_tables
        for foreign_key in table.foreign_keys
        if foreign_key.column.table.name == StoredFile.__tablename__
    ]
    orphans = sa.select(StoredFile.id).where(
        StoredFile.uploaded_at < datetime.combine(cutoff, time()),
        *(StoredFile.id.not_in(sa.select(column).where(column.is_not(None))) for column in referring),
    )
    return sa.union(proofs, orphans)


def count_due_proofs(today: date, years: int = PROOF_RETENTION_YEARS) -> int:
    """How many proofs `delete_due_proofs` would delete (`flask purge --dry-run`)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(due_proofs(today, years).subquery())) or 0


def delete_due_proofs(today: date, years: int = PROOF_RETENTION_YEARS) -> int:
    """Delete the proofs past their keeping period: the records keep their absence and its justification (so no
    hour nor rate changes), with no proof. Audited (how many, not which). The caller commits."""
    ids = sorted(db.session.scalars(due_proofs(today, years)))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(
            sa.update(AttendanceRecord)
            .where(AttendanceRecord.proof_id.in_(chunk))
            .values(proof_id=None, version=AttendanceRecord.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(StoredFile).where(StoredFile.id.in_(chunk)).execution_options(synchronize_session=False)
        )
    if ids:
        record("stored_file", None, "purge", None, {"deleted": len(ids), "kept_years": years})
    return len(ids)
