"""The learner's follow-up page, opened from their personal link (no account), and the unsubscribe page.

A link's token is checked, its hash kept in the session, and the browser sent on to the same page without it (as
auth.password_link does): the token leaves the address bar, the next requests' logs and their Referer. Every
link that opens nothing gets the same page, whatever the reason; openings are throttled per address.
"""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..auth.throttle import is_throttled, note_link_opened, record_attempt
from ..extensions import db
from ..models import utcnow
from ..tokens import digest, redact_werkzeug_log
from ..transactions import write_transaction
from .answers import (
    UNSUBSCRIBE_PURPOSES,
    Standing,
    current_outcome,
    request_from_link,
    save_answer,
    standing,
    stop_messages,
    unsubscribe_target,
)
from .forms import SITUATION_WORDS, FollowUpAnswerForm, UnsubscribeForm

bp = Blueprint("followups", __name__)
bp.record_once(lambda _state: redact_werkzeug_log())  # the development server's request log

ANSWER_LINK = "followup_link"  # the session key holding the opened follow-up link's token hash
UNSUBSCRIBE_LINK = "unsubscribe_link"  # [purpose, token hash] of the opened unsubscribe link
THANKED = "followup_thanks"  # the request just answered: its next page says thank you
LINK = "link"  # the throttling kind of personal links (auth/throttle.py LIMITS)


def _gone(session_key: str) -> tuple[str, int]:
    """One page for every link that opens nothing (unknown, expired, its request gone): never says which."""
    session.pop(session_key, None)
    return render_template("followups/gone.html"), 404


def _count_opening(door: str) -> int | None:
    """Count this opening of a personal link from the client's address (committed before counting, as logins
    are): the attempt's id, or None when the address has failed too often lately."""
    address, now = request.remote_addr or "unknown", utcnow()
    with write_transaction():
        attempt_id = record_attempt(door, address, now, kind=LINK)
    return None if is_throttled(door, address, now, kind=LINK) else attempt_id


def _too_many() -> tuple[str, int]:
    return render_template("followups/gone.html", throttled=True), 429


@bp.get("/followup/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    """Open a follow-up link: keep its token's hash in the session and go on to the page without it."""
    attempt_id = _count_opening("followup")
    if attempt_id is None:
        return _too_many()
    token_hash = digest(token)
    if request_from_link(token_hash) is None:
        return _gone(ANSWER_LINK)
    with write_transaction():
        note_link_opened(attempt_id)
    session[ANSWER_LINK] = token_hash
    return redirect(url_for("followups.answer"))


@bp.route("/followup", methods=["GET", "POST"])
def answer() -> Response | str | tuple[str, int]:
    """The follow-up question of the link opened in this session: answer it, or correct the answer until the
    school checks it; then read-only. A point the school recorded itself is not asked again."""
    token_hash = session.get(ANSWER_LINK)
    follow_up = request_from_link(token_hash) if isinstance(token_hash, str) else None
    if follow_up is None:
        return _gone(ANSWER_LINK)
    outcome = current_outcome(follow_up)
    state = standing(outcome)
    form = FollowUpAnswerForm(cohort_start=follow_up.enrolment.cohort.start_date)
    if request.method == "POST" and (state != Standing.OPEN or form.validate()):
        if state == Standing.OPEN and save_answer(follow_up, form.answer()) is not None:
            db.session.commit()
            session[THANKED] = follow_up.id
        else:  # checked or recorded by the school since the page was shown
            db.session.rollback()
            flash(_("Votre réponse n'a pas été enregistrée : l'école a vérifié votre situation entre-temps."), "error")
        return redirect(url_for("followups.answer"))
    thanked = session.pop(THANKED, None) == follow_up.id and state == Standing.OPEN and outcome is not None
    if request.method == "GET" and state == Standing.OPEN and outcome is not None:
        form.fill(outcome)
    return render_template(
        "followups/answer.html",
        follow_up=follow_up,
        outcome=outcome,
        state=state,
        form=form,
        thanked=thanked,
        words=SITUATION_WORDS,
    )


@bp.get("/unsubscribe/<token>")
def unsubscribe_link(token: str) -> Response | tuple[str, int]:
    """Open an unsubscribe link (of a follow-up or a questionnaire message); nothing changes until the button."""
    attempt_id = _count_opening("unsubscribe")
    if attempt_id is None:
        return _too_many()
    token_hash = digest(token)
    purpose = next((p for p in UNSUBSCRIBE_PURPOSES if unsubscribe_target(p, token_hash) is not None), None)
    if purpose is None:
        return _gone(UNSUBSCRIBE_LINK)
    with write_transaction():
        note_link_opened(attempt_id)
    session[UNSUBSCRIBE_LINK] = [purpose, token_hash]
    return redirect(url_for("followups.unsubscribe"))


@bp.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe() -> Response | str | tuple[str, int]:
    """Say what stops, with one button (POST: a mail scanner opening the link changes nothing); then confirm it."""
    opened = session.get(UNSUBSCRIBE_LINK)
    valid = isinstance(opened, list) and len(opened) == 2 and opened[0] in UNSUBSCRIBE_PURPOSES
    target = unsubscribe_target(*opened) if valid and isinstance(opened[1], str) else None
    if target is None:
        return _gone(UNSUBSCRIBE_LINK)
    form = UnsubscribeForm()
    if form.validate_on_submit():
        stop_messages(target)
        db.session.commit()
        return redirect(url_for("followups.unsubscribe"))
    return render_template("followups/unsubscribe.html", target=target, form=form)
