"""Satisfaction questionnaires: the managers' campaigns and statements, the anonymous answer page (personal link)."""

from typing import NoReturn

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates, params
from ..access import get_campaign_or_404, get_cohort_or_404, get_programme_or_404, role_required
from ..auth.throttle import is_throttled, note_link_opened, record_attempt
from ..extensions import db
from ..models import Cohort, SurveyCampaign, SurveyKind, utcnow
from ..tokens import digest
from .answers import invitation_from_link, record_answer
from .forms import AnswerForm, OpenCampaignForm, StatementsForm
from .queries import campaign_figures, campaign_rows, programmes_with_questionnaires, upcoming
from .sending import may_open, open_campaign, send_invitations
from .statements import KIND_LABELS, MAX_STATEMENTS, TEXT_MAX, questionnaire, save_questionnaire, stamp

bp = Blueprint("satisfaction", __name__)
SURVEY_LINK = "survey_link"  # the session key holding the opened link's token hash
SURVEY_DONE = "survey_done"  # set once answered: the next page is the thank-you
LINK_KEY = "/survey/"  # throttling counts the attempts on these links together, per address
KINDS = "any(hot, cold)"


@bp.app_context_processor
def kind_labels() -> dict[str, object]:
    return {"survey_kind_labels": KIND_LABELS}


@bp.get("/surveys/")
@role_required("manage_surveys")
def index() -> str:
    """The programmes' questionnaires, the campaigns (open, closed) and those to open soon or by hand."""
    today = dates.today()
    return render_template(
        "satisfaction/index.html",
        programmes=programmes_with_questionnaires(),
        campaigns=campaign_rows(page=params.page()),
        upcoming=upcoming(today),
        form=OpenCampaignForm(formdata=None),
        today=today,
    )


@bp.route(f"/surveys/statements/<int:programme_id>/<{KINDS}:kind>", methods=["GET", "POST"])
@role_required("manage_surveys")
def statements(programme_id: int, kind: str) -> Response | tuple[str, int]:
    """Edit a programme's questionnaire: texts, statements added or removed (« overall » stays); campaigns already
    opened keep what they asked. 409 if someone saved it since the page was shown."""
    programme, survey_kind = get_programme_or_404(programme_id), SurveyKind(kind)
    current = questionnaire(programme.id, survey_kind)
    form = StatementsForm.for_statements(current, stamp=stamp(current))
    if form.validate_on_submit():
        if form.stamp.data != stamp(current):
            abort(409, description=_("Quelqu'un a modifié ce questionnaire après l'ouverture de votre page. Rien "
                                     "n'a été enregistré : rechargez la page, puis recommencez."))
        if save_questionnaire(programme, survey_kind, form.kept(), form.added.data or ""):
            db.session.commit()
            flash(_("Questionnaire enregistré."), "success")
        return redirect(url_for("satisfaction.statements", programme_id=programme.id, kind=kind))
    page = render_template(
        "satisfaction/statements.html", form=form, programme=programme, kind=survey_kind,
        max_statements=MAX_STATEMENTS, text_max=TEXT_MAX,
    )
    return page, 400 if form.is_submitted() else 200


@bp.post("/surveys/open")
@role_required("manage_surveys")
def open_by_hand() -> Response:
    """Open a cohort's campaign now (same rules as the daily sending) and queue its invitations."""
    form = OpenCampaignForm()
    if not form.validate_on_submit():
        abort(400)
    cohort = db.get_or_404(Cohort, form.cohort.data)
    kind, today = SurveyKind(form.kind.data), dates.today()
    opened = db.session.scalar(
        sa.select(SurveyCampaign.id).where(SurveyCampaign.cohort_id == cohort.id, SurveyCampaign.kind == kind)
    )
    if opened is not None or not may_open(cohort, kind, today):
        abort(409, description=_("Ce questionnaire est déjà ouvert, ou ne peut pas l'être à cette date."))
    campaign = open_campaign(cohort, kind, today, opened_by_id=current_user.id)
    sent = send_invitations([campaign], today)
    db.session.commit()
    flash(ngettext("Questionnaire ouvert : %(num)d message en attente d'envoi.",
                   "Questionnaire ouvert : %(num)d messages en attente d'envoi.", sent), "success")
    return redirect(url_for("satisfaction.campaign", campaign_id=campaign.id))


@bp.get("/surveys/<int:campaign_id>")
@role_required("read_survey_answers")
def campaign(campaign_id: int) -> str:
    """A campaign: invited, respondents, the rates, each statement's answers and the free texts, without names
    (the answers only from SMALL_GROUP respondents)."""
    found = get_campaign_or_404(campaign_id, current_user)
    return render_template(
        "satisfaction/campaign.html", campaign=found, figures=campaign_figures(found), today=dates.today()
    )


@bp.get("/surveys/cohorts/<int:cohort_id>")
@role_required("read_survey_answers")
def cohort_campaigns(cohort_id: int) -> str:
    """A cohort's questionnaires (its trainers' way in)."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    rows = campaign_rows(sa.select(Cohort.id).where(Cohort.id == cohort.id))
    return render_template("satisfaction/cohort.html", cohort=cohort, campaigns=rows, today=dates.today())


def _link_gone() -> NoReturn:
    """The follow-up links' plain page, the same for every dead link (closed, answered, unknown): never says which,
    and writes nothing of the request (the token) into the page."""
    session.pop(SURVEY_LINK, None)
    abort(make_response(render_template("followups/gone.html"), 404))


@bp.get("/survey/<token>")
def open_link(token: str) -> Response:
    """Open a questionnaire link: checked, kept in the session, and out of the address bar (and of the next
    requests' logs and Referer) for the token-less page. Bad links are counted per address (throttled)."""
    token_hash, address, now = digest(token), request.remote_addr or "unknown", utcnow()
    attempt = record_attempt(LINK_KEY, address, now, "link")
    db.session.commit()
    if is_throttled(LINK_KEY, address, now, "link"):
        current_app.logger.warning("survey links throttled")
        abort(make_response(render_template("followups/gone.html", throttled=True), 429))
    if invitation_from_link(token_hash, dates.today()) is None:
        _link_gone()
    note_link_opened(attempt)
    db.session.commit()
    session[SURVEY_LINK] = token_hash
    return redirect(url_for("satisfaction.answer"))


@bp.route("/survey", methods=["GET", "POST"])
def answer() -> Response | str | tuple[str, int]:
    """The questionnaire of the link opened in this session; the answer is recorded once, anonymously."""
    token_hash = session.get(SURVEY_LINK)
    invitation = invitation_from_link(token_hash, dates.today()) if isinstance(token_hash, str) else None
    if invitation is None:
        if session.pop(SURVEY_DONE, None) and request.method == "GET":
            return render_template("satisfaction/thanks.html")
        _link_gone()
    form = AnswerForm.for_campaign(invitation.campaign.statements)
    if form.validate_on_submit():
        if not record_answer(invitation, form.scores(), form.comment.data or ""):
            db.session.rollback()
            _link_gone()
        db.session.commit()
        session.pop(SURVEY_LINK, None)
        session[SURVEY_DONE] = True
        return redirect(url_for("satisfaction.answer"))
    learner = invitation.enrolment.learner
    page = render_template("satisfaction/answer.html", form=form, campaign=invitation.campaign, learner=learner)
    return page, 400 if form.is_submitted() else 200
