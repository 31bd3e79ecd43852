"""The data model, one module per area; every name is here, so `from ..models import X` works everywhere.

base: the clock, tokens, stored enumerations · people: learners and accounts · programmes: titles and their
frameworks · cohorts: sites, cohorts, enrolments · work: projects, grades, competency assessments · outcomes:
follow-ups after leaving · security: login attempts, one-time tokens · audit: the audit trail, the data version.
"""

from .audit import AuditEvent, DataVersion
from .base import new_session_token, str_enum, utcnow
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
    "AgeBand",
    "AuditEvent",
    "Block",
    "Certification",
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
    "Learner",
    "LoginAttempt",
    "OneTimeToken",
    "Outcome",
    "Programme",
    "Project",
    "ProjectCompetency",
    "PublicFlag",
    "Referrer",
    "Role",
    "Site",
    "Situation",
    "SubmissionStatus",
    "User",
    "cohort_trainers",
    "new_session_token",
    "site_key",
    "str_enum",
    "utcnow",
]
