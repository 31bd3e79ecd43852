"""One learner as the cohort's staff see them: levels by block, grades of briefs, assessments, watch reasons.

Nothing sensitive (access.SENSITIVE_FIELDS) is read for this page: it is the trainer's view, not the file.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .. import dates
from ..handins.status import DEFINITION
from ..learners.queries import MyBlock, MyProject, my_blocks, my_projects
from ..models import Cohort, CompetencyAssessment, Enrolment
from .queries import LearnerFacts, WatchReason, learner_facts, median_progress, watch_reasons


@dataclass(frozen=True)
class LearnerOverview:
    enrolment: Enrolment
    facts: LearnerFacts  # progress, average, briefs missing or late: what the roster shows
    median_progress: float | None
    watch: list[WatchReason]  # why the learner is « à surveiller » (the roster's rule)
    blocks: list[MyBlock]
    projects: list[MyProject]

    @property
    def status_definition(self) -> str:
        """How the briefs' statuses are derived (handins/status.py), to show beside them."""
        return str(DEFINITION)

    @property
    def history(self) -> list[CompetencyAssessment]:
        """Every assessment of the learner on the programme's competencies, newest first."""
        every = [each for block in self.blocks for item in block.competencies for each in item.history]
        return sorted(every, key=lambda each: (each.assessed_at, each.id), reverse=True)


def learner_overview(cohort: Cohort, enrolment: Enrolment, today: date | None = None) -> LearnerOverview:
    """The overview of one enrolment of `cohort` (five queries: the cohort's facts for the median and the rule,
    two for the levels and their history, two for the briefs)."""
    today = today or dates.today()
    facts = learner_facts(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id), today)
    median = median_progress(facts)
    mine = next(fact for fact in facts if fact.enrolment_id == enrolment.id)
    return LearnerOverview(
        enrolment=enrolment,
        facts=mine,
        median_progress=median,
        watch=watch_reasons(mine, median, cohort, today),
        blocks=my_blocks(cohort, enrolment.learner_id),
        projects=my_projects(cohort, enrolment.learner_id, today),
    )
