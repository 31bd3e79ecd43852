"""The data model, one module per area; every name is here, so `from ..models import X` works everywhere.

base: the clock, tokens, stored enumerations · people: learners and accounts · programmes: titles and their
frameworks · cohorts: sites, cohorts, enrolments · work: projects, grades, competency assessments · outcomes:
follow-ups after leaving · attendance: the half-day calendar, roll calls, absences, stored files · security: login
attempts, one-time tokens · certification: ECF, Dossier Professionnel, exam sessions and results ·
audit: the audit trail, the data version.
"""

from .attendance import (
    AbsenceReason,
    AttendanceRecord,
    AttendanceSession,
    Closure,
    HalfDay,
    Justification,
    Presence,
    SessionKind,
    SessionState,
    SignatureSource,
    SigningAttempt,
    StoredFile,
    WeeklySlot,
)
from .audit import AuditEvent, DataVersion
from .base import new_session_token, str_enum, utcnow
from .certification import (
    DP_EXAMPLES_PER_BLOCK,
    ONE_YEAR_MONTHS,
    BlockResult,
    DpContext,
    DpExample,
    DpStatus,
    EcfBlock,
    EcfCompetency,
    EcfKind,
    EcfSituation,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    exam_session_blocks,
)
from .cohorts import (
    Certification,
    Cohort,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    Site,
    cohort_trainers,
    site_key,
)
from .outcomes import DURABLE_SITUATIONS, EMPLOYMENT_SITUATIONS, FOLLOW_UP_POINTS, Outcome, Situation
from .people import AgeBand, Diploma, Gender, Learner, PublicFlag, Referrer, Role, User
from .programmes import Block, Competency, Programme
from .security import LoginAttempt, OneTimeToken
from .work import CompetencyAssessment, Grade, Project, ProjectCompetency, SubmissionStatus

__all__ = [
    "DP_EXAMPLES_PER_BLOCK",
    "ONE_YEAR_MONTHS",
    "BlockResult",
    "DpContext",
    "DpExample",
    "DpStatus",
    "EcfBlock",
    "EcfCompetency",
    "EcfKind",
    "EcfSituation",
    "ExamCandidate",
    "ExamKind",
    "ExamResult",
    "ExamSession",
    "exam_session_blocks",
    "AbsenceReason",
    "AgeBand",
    "AttendanceRecord",
    "AttendanceSession",
    "AuditEvent",
    "Block",
    "Certification",
    "Closure",
    "Cohort",
    "Competency",
    "CompetencyAssessment",
    "DURABLE_SITUATIONS",
    "DataVersion",
    "Diploma",
    "DropoutReason",
    "EMPLOYMENT_SITUATIONS",
    "Enrolment",
    "EnrolmentStatus",
    "FOLLOW_UP_POINTS",
    "Gender",
    "Grade",
    "HalfDay",
    "Justification",
    "Learner",
    "LoginAttempt",
    "OneTimeToken",
    "Outcome",
    "Presence",
    "Programme",
    "Project",
    "ProjectCompetency",
    "PublicFlag",
    "Referrer",
    "Role",
    "SessionKind",
    "SessionState",
    "SignatureSource",
    "SigningAttempt",
    "Site",
    "Situation",
    "StoredFile",
    "SubmissionStatus",
    "User",
    "WeeklySlot",
    "cohort_trainers",
    "new_session_token",
    "site_key",
    "str_enum",
    "utcnow",
]
