"""The tutor's form, opened from the emailed one-time link (tutors have no account), and the staff's button that
sends the link again.

A link's token is checked, its hash kept in the session with its form's id, and the browser sent on to `/tutor`
without it (as followups/views.py does): the token leaves the address bar, the next requests' logs and their
Referer. Once answered, the form's links are deleted; the browser that answered (or opened a link) may read the
answer again there, read-only. Every link that opens nothing gets the same plain page; openings are throttled per
address.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import dates
from ..access import Action, get_placement_or_404, refuse, role_required
from ..auth.throttle import is_throttled, note_link_opened, record_attempt
from ..competencies.queries import programme_blocks
from ..extensions import db
from ..forms import replace_value
from ..models import ReviewStage, TutorReview, utcnow
from ..tokens import digest, redact_werkzeug_log
from ..transactions import write_transaction
from .sending import SendNow, send_now
from .tutor import Saved, answered_review, given_levels, review_from_link, save_answer
from .tutor_forms import SendLinkForm, TutorReviewForm

bp = Blueprint("tutor", __name__)
bp.record_once(lambda _state: redact_werkzeug_log())  # the development server's request log

TUTOR_LINK = "tutor_link"  # the session key holding [token hash, form id] of the link opened
THANKED = "tutor_thanks"  # the form just answered: its next page says thank you
LINK = "link"  # the throttling kind of personal links (auth/throttle.py LIMITS)
DOOR = "tutor"


def _gone() -> tuple[str, int]:
    """One page for every link that opens nothing (unknown, expired, replaced by a newer one): never says which."""
    session.pop(TUTOR_LINK, None)
    return render_template("followups/gone.html"), 404


def _opened() -> tuple[str, int] | None:
    """[token hash, form id] of the link opened in this session, if any."""
    kept = session.get(TUTOR_LINK)
    if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], str) and isinstance(kept[1], int):
        return kept[0], kept[1]
    return None


def _review() -> TutorReview | None:
    """The form of the link opened in this session: open while its link works, or answered (read-only)."""
    opened = _opened()
    if opened is None:
        return None
    return review_from_link(opened[0]) or answered_review(opened[1])


@bp.get("/tutor/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    """Open a tutor's link: keep its token's hash in the session and go on to the page without it. The same link
    opened again in the browser that answered shows the answer."""
    address, now = request.remote_addr or "unknown", utcnow()
    with write_transaction():
        attempt_id = record_attempt(DOOR, address, now, kind=LINK)
    if is_throttled(DOOR, address, now, kind=LINK):
        return render_template("followups/gone.html", throttled=True), 429
    token_hash, opened = digest(token), _opened()
    review = review_from_link(token_hash)
    if review is None and opened is not None and opened[0] == token_hash:
        review = answered_review(opened[1])
    if review is None:
        return _gone()
    with write_transaction():
        note_link_opened(attempt_id)
    session[TUTOR_LINK] = [token_hash, review.id]
    return redirect(url_for("tutor.answer"))


def _early(review: TutorReview) -> tuple[str, int]:
    """A form whose period is not over: no form, the day it may be answered (an answer sent is refused: 409)."""
    refused = request.method == "POST"
    return render_template("placements/tutor_early.html", review=review, refused=refused), 409 if refused else 200


@bp.route("/tutor", methods=["GET", "POST"])
def answer() -> Response | str | tuple[str, int]:
    """The form of the link opened in this session: answer it once; then the answer, read-only."""
    review = _review()
    if review is None:
        return _gone()
    if review.answered_at is not None:
        if request.method == "POST":
            flash(_("Ce bilan est déjà enregistré : il ne peut pas être envoyé une seconde fois."), "error")
            return redirect(url_for("tutor.answer"))
        thanked = session.pop(THANKED, None) == review.id
        return render_template("placements/tutor_answered.html", review=review, levels=given_levels(review),
                               thanked=thanked)
    if dates.today() < review.period_end:  # a link sent before the fix: the period is not over
        return _early(review)
    competencies = [c for block in programme_blocks(review.placement.enrolment.cohort) for c in block.competencies]
    form = TutorReviewForm.for_review(review, competencies)
    if form.validate_on_submit():
        saved = save_answer(review, form.answer(), form.version.data, dates.today())
        if saved == Saved.SAVED:
            db.session.commit()
            session[THANKED] = review.id
            return redirect(url_for("tutor.answer"))
        db.session.rollback()
        if saved == Saved.ANSWERED:
            flash(_("Ce bilan est déjà enregistré : il ne peut pas être envoyé une seconde fois."), "error")
            return redirect(url_for("tutor.answer"))
        if saved == Saved.EARLY:  # the placement's dates moved meanwhile
            return _early(review)
        replace_value(form.version, review.version)  # as it is now: sending again saves
        return render_template("placements/tutor_form.html", review=review, form=form, changed=True), 409
    page = render_template("placements/tutor_form.html", review=review, form=form, changed=False)
    return page, 400 if form.is_submitted() else 200


@bp.post("/placements/<int:placement_id>/reviews/<any(mid, end):stage>/send")
@role_required(Action.TEACH)
def send(placement_id: int, stage: str) -> Response:
    """Send the tutor a message with a new link now, from the form's due day; refused before it and once answered."""
    placement = get_placement_or_404(placement_id, current_user)
    review = next((each for each in placement.reviews if each.stage == ReviewStage(stage)), None)
    if review is None:
        refuse()
    if not SendLinkForm().validate_on_submit():
        abort(400)
    sent = send_now(review, dates.today())
    if sent == SendNow.SENT:
        db.session.commit()
        flash(_("Le lien a été envoyé à %(email)s.", email=placement.tutor_email), "success")
    else:
        db.session.rollback()
        if sent == SendNow.ANSWERED:
            flash(_("Ce bilan est déjà rempli : le lien n'a pas été envoyé."), "error")
        else:
            flash(_("Le lien n'a pas été envoyé : ce bilan ne peut être envoyé qu'à partir du %(date)s, dernier jour "
                    "de la période qu'il couvre.", date=format_date(review.due_on, "long")), "error")
    return redirect(url_for("placements.show", placement_id=placement.id))
