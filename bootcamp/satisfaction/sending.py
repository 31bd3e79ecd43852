"""Opening the campaigns that are due and sending their invitations and reminders (called by `flask followups send`).

« À chaud »: in the cohort's last week (end - 6 days … end), everyone not dropped is invited at their school
address (it is part of the training: no consent asked), answers until end + 14 days. « À froid »: from 6 months
after the end, for 30 days, those who finished with consent to be contacted and an address (their personal one
first), answers for 30 days. Reminders 7 and 14 days after the first message, three messages at most, none once
answered, unsubscribed or closed.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import joinedload, selectinload

from .. import dates, tokens
from ..dates import LOCAL_ZONE, add_months
from ..extensions import db
from ..links import external_url
from ..mail.outbox import MAX_MESSAGES, REMINDER_DAYS, learner_locale, queue
from ..models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Learner,
    MessageKind,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    utcnow,
)
from ..transactions import lock_rows
from .statements import questionnaire, snapshot

HOT_BEFORE_END = timedelta(days=6)  # the last week: end - 6 days … end
HOT_ANSWERS_AFTER_END = timedelta(days=14)
COLD_AFTER_MONTHS = 6
COLD_OPENING_DAYS = 30  # the automatic opening happens within 30 days of end + 6 months
COLD_ANSWER_DAYS = 30
HAND_ANSWER_DAYS = 14  # a « à chaud » opened by hand after the cohort's end still gets two weeks
HAND_MONTHS = {SurveyKind.HOT: 6, SurveyKind.COLD: 12}  # by hand, until this many months after the end
TOKEN_PURPOSE = "survey"


@dataclass(frozen=True)
class Window:
    """When a cohort's campaign of a kind may open (by hand: from `opens`, any time after)."""

    opens: date
    last_automatic: date  # the automatic opening does not happen after this day
    last_by_hand: date  # nor a manager's: past it, the question no longer means much


def window(cohort: Cohort, kind: SurveyKind) -> Window:
    if kind == SurveyKind.HOT:
        end = cohort.end_date
        return Window(end - HOT_BEFORE_END, end, add_months(end, HAND_MONTHS[kind]))
    opens = add_months(cohort.end_date, COLD_AFTER_MONTHS)
    return Window(opens, opens + timedelta(days=COLD_OPENING_DAYS - 1), add_months(cohort.end_date, HAND_MONTHS[kind]))


def closing_day(cohort: Cohort, kind: SurveyKind, today: date) -> date:
    """The last day answers are taken for a campaign opened `today`."""
    if kind == SurveyKind.HOT:
        return max(cohort.end_date + HOT_ANSWERS_AFTER_END, today + timedelta(days=HAND_ANSWER_DAYS))
    return today + timedelta(days=COLD_ANSWER_DAYS)


def may_open(cohort: Cohort, kind: SurveyKind, today: date) -> bool:
    """Whether a manager may open the campaign by hand today: from its automatic first day (a cohort that ended
    before Bootcamp, an opening missed) until HAND_MONTHS after the end."""
    days = window(cohort, kind)
    return days.opens <= today <= days.last_by_hand


def address(learner: Learner, kind: SurveyKind) -> str | None:
    """Where to write: « à chaud », the school address (the account's, else the learner's, else the personal one);
    « à froid », the personal one first (the school account often dies with the training)."""
    account = learner.user.email if learner.user is not None and learner.user.active else None
    school = [account, learner.email, learner.personal_email]
    order = school if kind == SurveyKind.HOT else [learner.personal_email, learner.email, account]
    return next((each for each in order if each), None)


def invited_enrolments(cohort: Cohort, kind: SurveyKind) -> list[Enrolment]:
    """Who a campaign asks: « à chaud », everyone not dropped; « à froid », those who finished, agree to be
    contacted and have an address."""
    query = (
        sa.select(Enrolment)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .options(joinedload(Enrolment.learner).joinedload(Learner.user))
        .where(Enrolment.cohort_id == cohort.id, Learner.erased_at.is_(None))
        .order_by(Enrolment.id)
    )
    if kind == SurveyKind.HOT:
        return list(db.session.scalars(query.where(Enrolment.status != EnrolmentStatus.DROPPED)))
    finished = query.where(Enrolment.status == EnrolmentStatus.FINISHED, Learner.contact_consent.is_(True))
    return [each for each in db.session.scalars(finished) if address(each.learner, kind)]


def open_campaign(cohort: Cohort, kind: SurveyKind, today: date, opened_by_id: int | None = None) -> SurveyCampaign:
    """Open the cohort's campaign (its statements copied as they are now) and invite who it asks; nothing is sent
    yet (send_invitations). The caller commits."""
    campaign = SurveyCampaign(
        cohort=cohort,
        kind=kind,
        statements=snapshot(questionnaire(cohort.programme_id, kind)),
        closes_on=closing_day(cohort, kind, today),
        opened_by_id=opened_by_id,
    )
    db.session.add(campaign)
    for enrolment in invited_enrolments(cohort, kind):
        campaign.invitations.append(SurveyInvitation(enrolment=enrolment, recipient=address(enrolment.learner, kind)))
    db.session.flush()
    return campaign


def _token_validity(closes_on: date) -> timedelta:
    """From now to the end of the closing day in France."""
    end = datetime.combine(closes_on + timedelta(days=1), time(), tzinfo=LOCAL_ZONE).astimezone(UTC)
    return end.replace(tzinfo=None) - utcnow()


def _due(invitation: SurveyInvitation, today: date) -> bool:
    if invitation.recipient is None or invitation.answered or invitation.unsubscribed_at is not None:
        return False
    if invitation.messages >= MAX_MESSAGES or today > invitation.campaign.closes_on:
        return False
    if invitation.messages == 0:
        return True
    first = invitation.first_sent_at.date() if invitation.first_sent_at else today
    return first + timedelta(days=REMINDER_DAYS[invitation.messages - 1]) <= today


def _subject(kind: SurveyKind, programme: str) -> LazyString:
    if kind == SurveyKind.HOT:
        return _l("Votre avis sur la formation %(programme)s", programme=programme)
    return _l("Six mois après la formation %(programme)s : votre avis", programme=programme)


def _moment(today: date) -> datetime:
    """When this run happens: now, or that day at this time for a run dated otherwise (`--date`)."""
    now = utcnow()
    return now if today == dates.today() else datetime.combine(today, now.time())


def _send(invitation: SurveyInvitation, moment: datetime) -> None:
    campaign, learner = invitation.campaign, invitation.enrolment.learner
    validity = _token_validity(campaign.closes_on)
    token = tokens.issue(TOKEN_PURPOSE, validity, subject=str(invitation.id))
    stop = tokens.issue(tokens.UNSUBSCRIBE[TOKEN_PURPOSE], validity, subject=str(invitation.id))
    programme = campaign.cohort.programme.short_name
    message = queue(
        MessageKind.SURVEY,
        invitation.recipient,
        _subject(campaign.kind, programme),
        "survey",
        learner_locale(learner),
        first_name=learner.first_name,
        survey_kind=campaign.kind.value,
        programme=programme,
        cohort=campaign.cohort.name,
        closes_on=campaign.closes_on,
        reminder=invitation.messages > 0,
        count=len(campaign.statements),
        answer_url=external_url("satisfaction.open_link", token=token),
        unsubscribe_url=external_url("followups.unsubscribe_link", token=stop),
    )
    invitation.messages += 1
    invitation.first_sent_at = invitation.first_sent_at or moment
    invitation.last_sent_at, invitation.last_message_id = moment, message.id


def send_invitations(campaigns: list[SurveyCampaign], today: date) -> int:
    """Queue the first messages and the reminders due `today` for these campaigns; the number queued."""
    sent, moment = 0, _moment(today)
    for campaign in campaigns:
        for invitation in campaign.invitations:
            if _due(invitation, today) and _token_validity(campaign.closes_on) > timedelta(0):
                _send(invitation, moment)
                sent += 1
    db.session.flush()
    return sent


def _cohorts_to_open(today: date) -> list[tuple[Cohort, SurveyKind]]:
    def unopened(kind: SurveyKind) -> sa.ColumnElement[bool]:
        return Cohort.id.not_in(sa.select(SurveyCampaign.cohort_id).where(SurveyCampaign.kind == kind))

    hot = sa.select(Cohort).where(
        Cohort.end_date >= today, Cohort.end_date <= today + HOT_BEFORE_END, unopened(SurveyKind.HOT)
    )
    # end + 6 months within the last 30 days; a few days of margin for month ends (add_months clamps), then exact
    earliest = add_months(today - timedelta(days=COLD_OPENING_DAYS + 3), -COLD_AFTER_MONTHS)
    latest = add_months(today, -COLD_AFTER_MONTHS) + timedelta(days=3)
    cold = sa.select(Cohort).where(Cohort.end_date.between(earliest, latest), unopened(SurveyKind.COLD))
    due = [(cohort, SurveyKind.HOT) for cohort in db.session.scalars(hot.order_by(Cohort.id))]
    for cohort in db.session.scalars(cold.order_by(Cohort.id)):
        if window(cohort, SurveyKind.COLD).opens <= today <= window(cohort, SurveyKind.COLD).last_automatic:
            due.append((cohort, SurveyKind.COLD))
    return due


def send_due(today: date) -> int:
    """Open the campaigns due `today`, then queue the invitations and reminders due; the number queued. Safe to run
    again the same day and from several machines at once: the cohorts to open, then the open campaigns, are locked
    before what to do is read again (a second sender waits, then finds it done). The caller commits."""
    lock_rows(Cohort, [cohort.id for cohort, _kind in _cohorts_to_open(today)])
    for cohort, kind in _cohorts_to_open(today):  # as they are now that the rows are ours
        open_campaign(cohort, kind, today)
    open_campaigns = sa.select(SurveyCampaign.id).where(SurveyCampaign.closes_on >= today)
    lock_rows(SurveyCampaign, db.session.scalars(open_campaigns))
    campaigns = db.session.scalars(
        sa.select(SurveyCampaign)
        .where(SurveyCampaign.closes_on >= today)
        .options(
            joinedload(SurveyCampaign.cohort).joinedload(Cohort.programme),
            selectinload(SurveyCampaign.invitations)
            .joinedload(SurveyInvitation.enrolment)
            .joinedload(Enrolment.learner)
            .joinedload(Learner.user),
        )
        .order_by(SurveyCampaign.id)
        .execution_options(populate_existing=True)
    ).all()
    return send_invitations(list(campaigns), today)
