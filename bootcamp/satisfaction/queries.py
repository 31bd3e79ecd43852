"""What the questionnaire pages show: the campaigns and the questionnaires (/surveys/), a campaign's figures.

A campaign's rates follow DOMAIN.md (the same definitions as reports/satisfaction.py): satisfied = respondents
answering 4 or 5 to « overall »; satisfaction rate = satisfied / respondents; response rate = respondents /
invited; under SMALL_GROUP respondents neither the satisfaction figures nor the free texts are shown.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..dates import add_months
from ..extensions import db
from ..indicators import SMALL_GROUP, rate
from ..models import (
    SATISFIED_SCORES,
    SCALE,
    Cohort,
    Programme,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    SurveyScore,
    SurveyStatement,
)
from ..params import Page
from .sending import HAND_MONTHS, HOT_BEFORE_END, may_open, window

SOON = timedelta(days=30)  # « à ouvrir bientôt »: an automatic opening within this many days


@dataclass(frozen=True)
class CampaignRow:
    campaign: SurveyCampaign
    invited: int
    respondents: int

    def is_open(self, today: date) -> bool:
        return today <= self.campaign.closes_on


@dataclass(frozen=True)
class Upcoming:
    cohort: Cohort
    kind: SurveyKind
    opens: date
    may_open: bool  # a manager may open it now (its first day has come: the automatic opening missed it)


def _counted(query: sa.Select) -> sa.Select:
    invited = (
        sa.select(sa.func.count())
        .where(SurveyInvitation.campaign_id == SurveyCampaign.id)
        .correlate(SurveyCampaign)
        .scalar_subquery()
    )
    respondents = (
        sa.select(sa.func.count())
        .where(SurveyResponse.campaign_id == SurveyCampaign.id)
        .correlate(SurveyCampaign)
        .scalar_subquery()
    )
    return query.add_columns(invited, respondents).options(
        joinedload(SurveyCampaign.cohort).joinedload(Cohort.site)
    )


CAMPAIGNS_PER_PAGE = 20  # a light page on a slow connection: the latest 20, then the next page


def campaign_rows(cohort_ids: sa.Select | None = None, page: int = 1) -> Page[CampaignRow]:
    """Campaigns with their invited and respondents counts, the latest closing first, CAMPAIGNS_PER_PAGE a page
    (two queries)."""
    query = sa.select(SurveyCampaign)
    if cohort_ids is not None:
        query = query.where(SurveyCampaign.cohort_id.in_(cohort_ids))
    total = db.session.scalar(query.with_only_columns(sa.func.count(SurveyCampaign.id)).order_by(None)) or 0
    query = _counted(query).order_by(SurveyCampaign.closes_on.desc(), SurveyCampaign.id.desc())
    rows = db.session.execute(query.limit(CAMPAIGNS_PER_PAGE).offset((page - 1) * CAMPAIGNS_PER_PAGE))
    campaigns = [CampaignRow(campaign, invited, respondents) for campaign, invited, respondents in rows]
    return Page(campaigns, page, total, CAMPAIGNS_PER_PAGE)


def programmes_with_questionnaires() -> list[tuple[Programme, set[SurveyKind]]]:
    """Each programme, and the kinds whose statements a manager has edited (the others ask the defaults)."""
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.short_name, Programme.id)).all()
    edited = db.session.execute(sa.select(SurveyStatement.programme_id, SurveyStatement.kind).distinct()).all()
    return [(programme, {kind for pid, kind in edited if pid == programme.id}) for programme in programmes]


def upcoming(today: date) -> list[Upcoming]:
    """The campaigns not opened yet that open within SOON, or that a manager may open by hand now (missed, or of a
    cohort ended before Bootcamp), the latest first."""
    campaigns = db.session.execute(sa.select(SurveyCampaign.cohort_id, SurveyCampaign.kind))
    opened = {(row.cohort_id, row.kind) for row in campaigns}
    cohorts = db.session.scalars(
        sa.select(Cohort)
        .options(joinedload(Cohort.site))
        .where(
            Cohort.end_date <= today + SOON + HOT_BEFORE_END,
            Cohort.end_date >= add_months(today, -HAND_MONTHS[SurveyKind.COLD]),
        )
    ).all()
    rows = []
    for cohort in cohorts:
        for kind in SurveyKind:
            dates = window(cohort, kind)
            if (cohort.id, kind) not in opened and dates.opens <= today + SOON and today <= dates.last_by_hand:
                rows.append(Upcoming(cohort, kind, dates.opens, may_open(cohort, kind, today)))
    return sorted(rows, key=lambda row: (row.opens, row.cohort.name, row.kind.value), reverse=True)


@dataclass
class StatementFigures:
    key: str
    text: str
    counts: dict[int, int] = field(default_factory=dict)  # score -> respondents
    mean: float | None = None


@dataclass
class CampaignFigures:
    invited: int
    respondents: int
    satisfied: int
    statements: list[StatementFigures]
    comments: list[str]

    @property
    def shown(self) -> bool:
        """Whether the answers may be shown: SMALL_GROUP respondents or more."""
        return self.respondents >= SMALL_GROUP

    @property
    def response_rate(self) -> float | None:
        return rate(self.respondents, self.invited)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.respondents)


def campaign_figures(campaign: SurveyCampaign) -> CampaignFigures:
    """A campaign's counts, each statement's distribution and mean, and the free texts (by text: not in the order
    of the answers). Four queries whatever the number of answers."""
    invited = db.session.scalar(
        sa.select(sa.func.count()).where(SurveyInvitation.campaign_id == campaign.id)
    ) or 0
    respondents, satisfied = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(SurveyResponse.overall.in_(SATISFIED_SCORES)),
        ).where(SurveyResponse.campaign_id == campaign.id)
    ).one()
    statements = {item["key"]: StatementFigures(item["key"], item["text"]) for item in campaign.statements}
    distribution = db.session.execute(
        sa.select(SurveyScore.key, SurveyScore.score, sa.func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyScore.response_id)
        .where(SurveyResponse.campaign_id == campaign.id)
        .group_by(SurveyScore.key, SurveyScore.score)
    ).all()
    for key, score, count in distribution:
        if key in statements:
            statements[key].counts[score] = count
    for item in statements.values():
        total = sum(item.counts.values())
        item.counts = {score: item.counts.get(score, 0) for score in SCALE}
        item.mean = sum(score * count for score, count in item.counts.items()) / total if total else None
    comments = db.session.scalars(
        sa.select(SurveyResponse.comment)
        .where(SurveyResponse.campaign_id == campaign.id, SurveyResponse.comment != "")
        .order_by(SurveyResponse.comment)
    ).all()
    return CampaignFigures(invited, respondents or 0, satisfied or 0, list(statements.values()), list(comments))
