"""The tutor's one-time link and form: end to end with a real SMTP server (the email arrives, its link opens the form,
the answer writes the days and the levels as the tutor's), and the link's refusals."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootcamp import dates, tokens
from bootcamp.extensions import db
from bootcamp.models import (
    AssessmentSource,
    AuditEvent,
    Competency,
    CompetencyAssessment,
    Learner,
    OneTimeToken,
    Placement,
    ReviewStage,
    TutorReview,
    utcnow,
)
from bootcamp.personal_data import erase_learner
from bootcamp.placements.days import sync_reviews
from bootcamp.placements.sending import LINK_VALIDITY, TOKEN_PURPOSE
from bootcamp.placements.tutor import Observation, Saved, TutorAnswer, save_answer
from bootcamp.progress import current_levels

from . import factories
from .conftest import AuthActions, csrf_token, form_from
from .test_fuzz import examples, values

MID_DUE = date(2026, 12, 30)  # the world's placements: 30 November 2026 to 29 January 2027
LINK = re.compile(r"https?://[^/\s]+(/tutor/[A-Za-z0-9_-]+)")
GONE = "Ce lien n'est plus valable"


@pytest.fixture(autouse=True)
def _on_the_mid_due_day(monkeypatch) -> None:
    """The world's mid-placement forms are answerable from the last day of their period (30 December 2026)."""
    monkeypatch.setattr(dates, "today", lambda: MID_DUE)


def _mid(app: Flask, placement_id: int) -> TutorReview:
    with app.app_context():
        return db.session.scalars(
            sa.select(TutorReview).where(TutorReview.placement_id == placement_id, TutorReview.stage == ReviewStage.MID)
        ).one()


def _link(app: Flask, review_id: int, purpose: str = TOKEN_PURPOSE) -> str:
    """A link of the form as a message carries it."""
    with app.app_context():
        token = tokens.issue(purpose, LINK_VALIDITY, subject=str(review_id))
        db.session.commit()
    return f"/tutor/{token}"


def _competencies(app: Flask, world) -> list[int]:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_id)
        return [competency.id for competency in factories.competencies(placement.enrolment.cohort.programme)]


def _tutor_rows(app: Flask) -> list[CompetencyAssessment]:
    with app.app_context():
        query = sa.select(CompetencyAssessment).where(CompetencyAssessment.source == AssessmentSource.TUTOR)
        return list(db.session.scalars(query.order_by(CompetencyAssessment.id)))


def _open(client, link: str) -> dict:
    """Open the link, land on /tutor, and return its form as the browser would send it."""
    opened = client.get(link)
    assert opened.status_code == 302 and opened.location.endswith("/tutor")
    page = client.get("/tutor")
    assert page.status_code == 200
    return form_from(page.text)


def test_the_email_leads_to_the_form_whose_levels_become_the_tutors(
    app: Flask, client, auth: AuthActions, world, runner, smtp_server
) -> None:
    first, second, *_ = _competencies(app, world)
    with app.app_context():  # the trainer's level, which the tutor's must not replace
        learner = db.session.get(Placement, world.placement_id).enrolment.learner
        factories.assess(learner, db.session.get(Competency, first), 1, utcnow() - timedelta(days=1))
        db.session.commit()
    sent = runner.invoke(args=["placements", "send", "--day", MID_DUE.isoformat()])
    assert sent.output.strip() == "tutors: 2 asked, 0 reminded"  # the world's two placements
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    (message,) = [each for each in smtp_server.messages if "Luc Lefèvre" in str(each["Subject"])]
    assert message["To"] == "tuteur@lozere-numerique.example"
    assert str(message["Subject"]) == "Stage de Luc Lefèvre : votre bilan de mi-parcours"
    text = message.get_body(("plain",)).get_content()
    assert "Lozère Numérique" in text and "30 novembre 2026" in text and "30 jours" in text
    assert "Thomas Formateur <trainer@example.org>" in text  # the school's contact: the cohort's trainer
    link = LINK.search(text).group(1)

    form = _open(client, link)
    page = client.get("/tutor").text
    assert "Luc Lefèvre" in page and "Lozère Numérique" in page and link.split("/")[-1] not in page
    assert 'aria-label="Navigation principale"' not in page  # no account, no navigation of the app
    planned = _mid(app, world.placement_id).planned_days
    assert form["days_present"] == str(planned) and form[f"level_{first}"] == ""  # « non observé » by default
    form.update({"days_present": str(planned - 2), f"level_{first}": "3", f"comment_{first}": "Autonome sur Git.",
                 f"level_{second}": "0", "appreciation": "Luc s'est bien intégré à l'équipe."})
    answered = client.post("/tutor", data=form)
    assert answered.status_code == 302 and answered.location.endswith("/tutor")
    assert "Merci, votre bilan est enregistré" in client.get("/tutor").text

    review = _mid(app, world.placement_id)
    assert (review.days_present, review.appreciation) == (planned - 2, "Luc s'est bien intégré à l'équipe.")
    rows = _tutor_rows(app)
    assert [(row.competency_id, row.level, row.comment) for row in rows] == [
        (first, 3, "Autonome sur Git."), (second, 0, "")
    ]
    assert {(row.placement_id, row.assessor_name, row.assessed_by_id, row.learner_id) for row in rows} == {
        (world.placement_id, "Paul Tuteur", None, world.learner_id)
    }
    with app.app_context():
        levels = current_levels(sa.select(sa.literal(world.learner_id)))
        current = dict(db.session.execute(sa.select(levels.c.competency_id, levels.c.level)).all())
        assert current.get(first) == 1 and second not in current  # the trainer's level stays the current one
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == world.learner_id)).all()
        ours = [(event.entity, event.action, event.actor_id) for event in events if event.entity != "grade"]
        assert ("tutor_review", "answer", None) in ours
        answer = next(event for event in events if event.entity == "tutor_review" and event.action == "answer")
        assert answer.after["assessor_name"] == "Paul Tuteur"  # the journal says who answered by the link
        assert ours.count(("competency_assessment", "create", None)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OneTimeToken).where(
            OneTimeToken.purpose == TOKEN_PURPOSE, OneTimeToken.subject == str(review.id))) == 0

    again = client.get(link)  # the same link, in the browser that answered: the answer, read-only
    assert again.status_code == 302
    page = client.get("/tutor").text
    assert "Bilan déjà transmis le" in page and "Autonome sur Git." in page and 'name="appreciation"' not in page
    assert app.test_client().get(link).status_code == 404  # anywhere else: a dead link
    later = (MID_DUE + timedelta(days=7)).isoformat()
    reminded = runner.invoke(args=["placements", "send", "--day", later]).output.strip()
    assert reminded == "tutors: 0 asked, 1 reminded"  # Rose's tutor, who has not answered
    assert _mid(app, world.placement_id).messages == 1  # answered: no reminder


def test_a_second_submission_is_refused(app: Flask, client, world) -> None:
    review = _mid(app, world.placement_id)
    form = _open(client, _link(app, review.id))
    form["appreciation"] = "Très bien."
    assert client.post("/tutor", data=form).status_code == 302
    again = client.post("/tutor", data={**form, "days_present": "1"})
    assert again.status_code == 302
    assert "déjà enregistré" in client.get("/tutor").text
    assert _mid(app, world.placement_id).days_present == review.planned_days
    assert len(_tutor_rows(app)) == 0  # nothing observed: no level


def test_dead_links_get_the_same_plain_page(app: Flask, client, world) -> None:
    review = _mid(app, world.placement_id)
    expired = _link(app, review.id)
    with app.app_context():
        db.session.execute(sa.update(OneTimeToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    follow_up = _link(app, review.id, purpose="follow_up")  # a token of another purpose, same subject
    unknown = "/tutor/" + "x" * 43
    for link in (expired, follow_up, unknown):
        response = client.get(link)
        assert response.status_code == 404 and GONE in response.text, link
    assert client.get("/tutor").status_code == 404  # no link opened in this session
    assert client.post("/tutor", data={}).status_code in (400, 404)


def test_a_link_of_a_deleted_placement_is_dead(app: Flask, client, world) -> None:
    link = _link(app, _mid(app, world.placement_id).id)
    with app.app_context():
        db.session.delete(db.session.get(Placement, world.placement_id))
        db.session.commit()
    assert client.get(link).status_code == 404


def test_many_bad_links_are_throttled(app: Flask, client, world) -> None:
    for number in range(10):
        assert client.get(f"/tutor/bad-{number}").status_code == 404
    assert client.get("/tutor/bad-again").status_code == 429
    good = _link(app, _mid(app, world.placement_id).id)
    assert client.get(good).status_code == 429  # even a good one, from this address, for a while


def _refused(client, form: dict, **changes: str) -> str:
    response = client.post("/tutor", data={**form, **changes})
    assert response.status_code == 400, changes
    return response.text


def test_bad_answers_are_refused_beside_their_fields(app: Flask, client, world) -> None:
    review = _mid(app, world.placement_id)
    first = _competencies(app, world)[0]
    form = _open(client, _link(app, review.id))
    form["appreciation"] = "Bien."
    assert "Indiquez un nombre de jours de 0 à" in _refused(client, form, days_present=str(review.planned_days + 1))
    assert "Écrivez un nombre de jours" in _refused(client, form, days_present="-1")
    assert "Niveau invalide" in _refused(client, form, **{f"level_{first}": "4"})
    assert "appréciation générale" in _refused(client, form, appreciation="   ")
    assert "Choisissez un niveau" in _refused(client, form, **{f"comment_{first}": "Sans niveau"})
    assert "Texte trop long" in _refused(client, form, appreciation="x" * 5001)
    assert "Texte trop long" in _refused(client, form, **{f"level_{first}": "2", f"comment_{first}": "x" * 1001})
    no_csrf = {key: value for key, value in form.items() if key != "csrf_token"}
    assert client.post("/tutor", data=no_csrf).status_code == 400
    assert _mid(app, world.placement_id).answered_at is None and _tutor_rows(app) == []


def test_a_form_changed_meanwhile_is_not_saved(app: Flask, client, world, monkeypatch) -> None:
    review = _mid(app, world.placement_id)
    form = _open(client, _link(app, review.id))
    with app.app_context():  # the staff move the placement's dates meanwhile
        placement = db.session.get(Placement, world.placement_id)
        placement.end_date = placement.end_date + timedelta(days=14)
        sync_reviews(placement)
        db.session.commit()
    monkeypatch.setattr(dates, "today", lambda: date(2027, 1, 10))  # the new mid period (to 6 January) is over
    form.update(appreciation="Bien.", days_present="5")
    conflict = client.post("/tutor", data=form)
    assert conflict.status_code == 409 and "les dates du stage ont changé" in conflict.text
    assert _mid(app, world.placement_id).answered_at is None
    assert client.post("/tutor", data=form_from(conflict.text) | {"days_present": "5"}).status_code == 302
    assert _mid(app, world.placement_id).days_present == 5


def test_the_form_page_runs_a_fixed_number_of_queries(app: Flask, client, world, count_queries) -> None:
    _open(client, _link(app, _mid(app, world.placement_id).id))
    with count_queries() as counter:
        assert client.get("/tutor").status_code == 200
    assert counter.count <= 4, counter.statements  # the token, the form with its placement, the programme (2)


def test_the_tutor_form_never_answers_500(app: Flask, world) -> None:
    """The form fuzzed as tests/test_fuzz.py fuzzes the others (it needs a link opened in the session, no login)."""
    client = app.test_client()
    fields = _open(client, _link(app, _mid(app, world.placement_id).id))
    names = [name for name in fields if name != "csrf_token"]

    @settings(max_examples=examples(app), deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names + ["extra"]), values, max_size=len(names) + 1))
    def fuzz(changes: dict[str, str]) -> None:
        response = client.post("/tutor", data=dict(fields) | changes)
        assert response.status_code < 500, (changes, response.status_code)

    fuzz()


def test_a_link_sent_before_the_period_is_over_says_when_to_answer(app: Flask, client, world, monkeypatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: date(2026, 11, 27))  # a link sent by hand before the fix
    review = _mid(app, world.placement_id)
    link = _link(app, review.id)
    assert client.get(link).status_code == 302
    page = client.get("/tutor")
    assert page.status_code == 200 and 'name="days_present"' not in page.text
    assert "Ce bilan pourra être rempli à partir du 30 décembre 2026" in unescape(page.text)
    stale = {"csrf_token": csrf_token(client), "version": str(review.version), "days_present": "18",
             "appreciation": "Bien."}  # what a form shown before the fix held
    posted = client.post("/tutor", data=stale)
    assert posted.status_code == 409 and "la période couverte par ce bilan n'est pas terminée" in unescape(posted.text)
    assert _mid(app, world.placement_id).answered_at is None and _tutor_rows(app) == []
    monkeypatch.setattr(dates, "today", lambda: MID_DUE)  # its last day: the same link opens the form
    form = form_from(client.get("/tutor").text)
    assert form["days_present"] == str(review.planned_days)
    form.update(appreciation="Bien.")
    assert client.post("/tutor", data=form).status_code == 302
    assert _mid(app, world.placement_id).answered_at is not None


def test_an_answer_is_not_saved_before_the_last_day_of_its_period(app: Flask, world) -> None:
    with app.app_context():
        review = db.session.get(TutorReview, _mid(app, world.placement_id).id)
        answer = TutorAnswer(days_present=3, appreciation="Trop tôt.")
        assert save_answer(review, answer, review.version, review.period_end - timedelta(days=1)) == Saved.EARLY
        db.session.rollback()
        review = db.session.get(TutorReview, review.id)
        assert save_answer(review, answer, review.version, review.period_end) == Saved.SAVED


def test_an_erasure_takes_the_tutors_name_out_of_the_journal(app: Flask, world) -> None:
    """The answer and its levels are journalled with the tutor's name (who answered by the link); erasing the learner
    empties it there too, as the other personal values of their journal."""
    with app.app_context():
        review = db.session.scalar(sa.select(TutorReview).where(
            TutorReview.placement_id == world.placement_id, TutorReview.stage == ReviewStage.MID))
        answer = TutorAnswer(review.planned_days, "Bien.", (Observation(world.competency_id, 2, "Soigneux."),))
        assert save_answer(review, answer, review.version, review.period_end) == Saved.SAVED
        db.session.commit()

        def named() -> int:
            events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.learner_id == world.learner_id))
            return sum("Paul Tuteur" in str(event.after) for event in events)

        assert named() == 2  # the answer and its one level
        erase_learner(db.session.get(Learner, world.learner_id))
        db.session.commit()
        assert named() == 0
