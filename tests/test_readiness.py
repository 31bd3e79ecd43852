"""Who is ready for the titre professionnel: the rule (each condition alone, blocks acquired at an exam, another
acquired level), the cohort's page (sorting, roles, next session, queries), the trainer's weekly list."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp import dates
from bootcamp.certification import livret, readiness
from bootcamp.certification.readiness import BlockFacts, Missing, Reason, block_verdict, rule_text, title_ready
from bootcamp.certification.results import refresh
from bootcamp.extensions import db
from bootcamp.models import (
    BlockResult,
    Cohort,
    CompetencyAssessment,
    DpExample,
    DpStatus,
    DropoutReason,
    EcfBlock,
    EcfSituation,
    Enrolment,
    EnrolmentStatus,
    ExamKind,
    Learner,
    Programme,
)

from . import factories
from .factories import WORLD_EXAM_DAY

TODAY = date(2026, 11, 20)  # 17 days before the world's exam session
WHEN = datetime(2026, 11, 2, 10)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "today", lambda: TODAY)


def _enrolment(learner_id: int) -> Enrolment:
    return db.session.scalars(sa.select(Enrolment).where(Enrolment.learner_id == learner_id)).one()


def make_ready(enrolment: Enrolment, position: int | None = None, level: int = 2) -> None:
    """Every competency of the block at `level`, a satisfactory ECF situation, a finalised DP example (every block
    when `position` is None)."""
    blocks = enrolment.cohort.programme.blocks
    for block in blocks if position is None else [blocks[position - 1]]:
        for competency in block.competencies:
            factories.assess(enrolment.learner, competency, level, WHEN)
        factories.ecf_situation(enrolment, block, date(2026, 11, 9))
        factories.dp_example(enrolment, block, position=3, status=DpStatus.FINAL)


def _verdicts(enrolment_id: int, on: date = TODAY) -> list[readiness.BlockVerdict]:
    enrolment = db.session.get(Enrolment, enrolment_id)
    level = enrolment.cohort.programme.acquired_level
    ids = sa.select(Enrolment.id).where(Enrolment.id == enrolment_id)
    return [block_verdict(facts, level) for facts in readiness.facts(ids, on)]


def _reasons(verdict: readiness.BlockVerdict) -> list[Reason]:
    return [missing.reason for missing in verdict.missing]


# The rule


def test_the_rule_is_pure_and_names_each_reason(app: Flask) -> None:
    facts = BlockFacts(1, 1, competencies=4, at_level=4, ecf_result=True, finalised_examples=1, acquired_at_exam=False)
    assert block_verdict(facts, 2).ready and block_verdict(facts, 2).missing == ()
    everything = BlockFacts(1, 1, 4, 2, None, 0, False)
    verdict = block_verdict(everything, 2)
    assert not verdict.ready and not title_ready([verdict])
    assert verdict.missing == (
        Missing(Reason.BELOW_LEVEL, 2, 2),
        Missing(Reason.ECF_UNDECIDED),
        Missing(Reason.NO_FINAL_EXAMPLE),
    )
    with app.test_request_context():
        assert [missing.text for missing in verdict.missing] == [
            "2 compétences sous le niveau 2",
            "ECF à décider",
            "aucun exemple de DP finalisé",
        ]
        assert Missing(Reason.ECF_NOT_SATISFACTORY).text == "ECF non satisfaisant"
        assert Missing(Reason.BELOW_LEVEL, 1, 3).text == "1 compétence sous le niveau 3"
        assert "niveau 3 (« transposer »)" in rule_text(3) and "au moins 1 exemple" in rule_text(2)
    done = BlockFacts(1, 1, 4, 0, False, 0, acquired_at_exam=True)
    assert block_verdict(done, 2).ready and title_ready([block_verdict(done, 2), block_verdict(facts, 2)])


def test_a_learner_with_everything_is_ready_for_every_block(app: Flask, world) -> None:
    with app.app_context():
        enrolment = _enrolment(world.learner_id)
        make_ready(enrolment)
        db.session.commit()
        verdicts = _verdicts(enrolment.id)
        assert [verdict.ready for verdict in verdicts] == [True, True] and title_ready(verdicts)
        counted = [(v.facts.at_level, v.facts.competencies, v.facts.finalised_examples) for v in verdicts]
        assert counted == [(4, 4, 1)] * 2


def _below_level(enrolment: Enrolment) -> None:
    first = enrolment.cohort.programme.blocks[0].competencies[0]
    factories.assess(enrolment.learner, first, 1, WHEN + timedelta(days=1))  # the latest level counts


def _never_assessed(enrolment: Enrolment) -> None:
    second = enrolment.cohort.programme.blocks[0].competencies[1]
    db.session.execute(sa.delete(CompetencyAssessment).where(CompetencyAssessment.competency_id == second.id))


def _ecf_failed(enrolment: Enrolment) -> None:
    factories.ecf_situation(enrolment, enrolment.cohort.programme.blocks[0], date(2026, 11, 12), satisfactory=False)


def _ecf_undecided(enrolment: Enrolment) -> None:
    block = enrolment.cohort.programme.blocks[0]
    db.session.execute(
        sa.delete(EcfSituation).where(EcfSituation.enrolment_id == enrolment.id, EcfSituation.block_id == block.id)
    )
    factories.ecf_situation(enrolment, block, date(2026, 11, 12), satisfactory=None)


def _summary_not_mastered(enrolment: Enrolment) -> None:
    db.session.add(EcfBlock(enrolment=enrolment, block=enrolment.cohort.programme.blocks[0], mastered=False))


def _no_final_example(enrolment: Enrolment) -> None:
    block = enrolment.cohort.programme.blocks[0]
    db.session.execute(
        sa.update(DpExample)
        .where(DpExample.enrolment_id == enrolment.id, DpExample.block_id == block.id)
        .values(status=DpStatus.REVIEWED)
    )


@pytest.mark.parametrize(
    ("spoil", "reason", "text"),
    [
        (_below_level, Reason.BELOW_LEVEL, "1 compétence sous le niveau 2"),
        (_never_assessed, Reason.BELOW_LEVEL, "1 compétence sous le niveau 2"),
        (_ecf_failed, Reason.ECF_NOT_SATISFACTORY, "ECF non satisfaisant"),
        (_ecf_undecided, Reason.ECF_UNDECIDED, "ECF à décider"),
        (_summary_not_mastered, Reason.ECF_NOT_SATISFACTORY, "ECF non satisfaisant"),
        (_no_final_example, Reason.NO_FINAL_EXAMPLE, "aucun exemple de DP finalisé"),
    ],
)
def test_each_condition_alone_makes_a_learner_not_ready(app: Flask, client, auth, world, spoil, reason, text) -> None:
    with app.app_context():
        enrolment = _enrolment(world.learner_id)
        make_ready(enrolment)
        db.session.flush()
        spoil(enrolment)
        db.session.commit()
        first, second = _verdicts(enrolment.id)
        assert _reasons(first) == [reason] and not first.ready
        assert second.ready and not title_ready([first, second])
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/readiness").text
    assert f"Bloc 1 : {text}</li>" in page and "pas encore prêt·e" in page and "0 prêt·e sur 1" in page


def test_the_ecf_result_follows_reassessments_and_the_summary(app: Flask, world) -> None:
    with app.app_context():
        enrolment = _enrolment(world.learner_id)
        make_ready(enrolment)
        block = enrolment.cohort.programme.blocks[0]
        factories.ecf_situation(enrolment, block, date(2026, 11, 12), satisfactory=False)
        factories.ecf_situation(enrolment, block, date(2026, 11, 19), satisfactory=True)  # the reassessment
        factories.ecf_situation(enrolment, block, date(2026, 11, 20), satisfactory=None)  # not decided: not read
        db.session.commit()
        assert _verdicts(enrolment.id)[0].ready
        db.session.add(EcfBlock(enrolment=enrolment, block=block, mastered=False))
        db.session.commit()
        assert _reasons(_verdicts(enrolment.id)[0]) == [Reason.ECF_NOT_SATISFACTORY]


def test_the_facts_agree_with_the_livret(app: Flask, world) -> None:
    """The ECF result, the levels and the finalised examples read in one query are the livret's (livret.py)."""
    with app.app_context():
        mine, theirs = _enrolment(world.learner_id), _enrolment(world.other_learner_id)
        make_ready(mine, 1)
        _ecf_failed(mine)
        db.session.add(EcfBlock(enrolment=theirs, block=theirs.cohort.programme.blocks[1], mastered=True))
        factories.dp_example(theirs, theirs.cohort.programme.blocks[1], 2, DpStatus.FINAL)
        factories.assess(theirs.learner, theirs.cohort.programme.blocks[1].competencies[2], 3, WHEN)
        db.session.commit()
        books = livret.livrets([mine, theirs])
        ids = sa.select(Enrolment.id).where(Enrolment.id.in_([mine.id, theirs.id]))
        for facts in readiness.facts(ids, TODAY):
            part = next(p for p in books[facts.enrolment_id].blocks if p.block.id == facts.block_id)
            assert (facts.ecf_result, facts.finalised_examples, facts.at_level, facts.competencies) == (
                part.ecf_result, part.finalised_examples, part.acquired(2), len(part.evidence)
            )


def test_blocks_acquired_at_an_exam_count_as_done(app: Flask, client, auth, world) -> None:
    with app.app_context():
        enrolment = _enrolment(world.learner_id)
        first, second = enrolment.cohort.programme.blocks
        earlier = factories.exam(enrolment.cohort.programme, date(2026, 10, 5), [enrolment], ExamKind.BLOCKS, [first])
        earlier.candidates[0].results[0].result = BlockResult.ACQUIRED
        refresh([enrolment.id])
        make_ready(enrolment, 2)
        db.session.commit()
        verdicts = _verdicts(enrolment.id)
        assert verdicts[0].facts.acquired_at_exam and verdicts[0].ready and _reasons(verdicts[0])
        assert title_ready(verdicts)
        assert not _verdicts(enrolment.id, date(2026, 10, 4))[0].ready  # before that session: not yet
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/readiness").text
    assert "acquis à l'examen" in page and "1 prêt·e sur 1" in page


def test_a_programme_aiming_at_level_3(app: Flask, client, auth, world) -> None:
    with app.app_context():
        enrolment = _enrolment(world.learner_id)
        make_ready(enrolment)
        db.session.get(Programme, enrolment.cohort.programme_id).acquired_level = 3
        second_block = enrolment.cohort.programme.blocks[1]
        factories.assess(enrolment.learner, second_block.competencies[0], 3, WHEN + timedelta(1))
        db.session.commit()
        first, second = _verdicts(enrolment.id)
        assert first.missing == (Missing(Reason.BELOW_LEVEL, 4, 3),) and second.facts.at_level == 1
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/readiness").text
    assert "4 compétences sous le niveau 3" in page and "niveau 3 (« transposer »)" in page
    assert "compétences : 1 / 4" in page


# The page


def _cohort_with_learners(trainer_email: str = "trainer@example.org", count: int = 3, **dates_: date) -> Cohort:
    """A cohort of the trainer with `count` learners (Nom-ordered by their numbers)."""
    trainer = db.session.scalars(sa.select(factories.User).where(factories.User.email == trainer_email)).one()
    cohort = factories.cohort(trainers=(trainer,), **dates_)
    for _ in range(count):
        factories.learner(cohort)
    db.session.flush()
    return cohort


def _names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/learners/\d+/ecf">([^<]+)</a>', page)


def test_not_ready_first_then_sortable_by_name_and_verdict(app: Flask, client, auth, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        zoe = factories.learner(cohort, first_name="Zoé", last_name="Abadie")
        ana = factories.learner(cohort, first_name="Ana", last_name="Zermatt")
        eve = factories.learner(cohort, first_name="Ève", last_name="Étienne")
        dropped = factories.learner(cohort, first_name="Dan", last_name="Parti")
        dropped.enrolments[0].status = EnrolmentStatus.DROPPED
        dropped.enrolments[0].exit_date = date(2026, 10, 1)
        dropped.enrolments[0].dropout_reason = DropoutReason.JOB
        db.session.flush()
        make_ready(ana.enrolments[0])
        make_ready(eve.enrolments[0])
        make_ready(zoe.enrolments[0], 1)  # one block to go; Luc (world) has both
        db.session.commit()
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/readiness"
    page = client.get(url).text
    assert _names(page) == ["Lefèvre Luc", "Abadie Zoé", "Étienne Ève", "Zermatt Ana"]  # most blocks to go first
    assert "Parti" not in page and "2 prêt·es sur 4" in page
    assert 'aria-sort="ascending"' in page and "?sort=verdict&amp;dir=desc" in page
    ready_first = ["Étienne Ève", "Zermatt Ana", "Abadie Zoé", "Lefèvre Luc"]
    assert _names(client.get(url + "?sort=verdict&dir=desc").text) == ready_first
    by_name = ["Abadie Zoé", "Étienne Ève", "Lefèvre Luc", "Zermatt Ana"]
    assert _names(client.get(url + "?sort=name").text) == by_name
    assert _names(client.get(url + "?sort=name&dir=desc").text) == by_name[::-1]
    assert _names(client.get(url + "?sort=nonsense&dir=sideways").text) == _names(page)  # a link's order: ignored


def test_the_page_shows_the_rule_and_the_next_session(app: Flask, client, auth, world) -> None:
    auth.login("trainer@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/readiness").text
    assert 'id="readiness-rule"' in page and "au niveau 2 (« adapter ») ou plus" in page
    assert "Session d'examen le 7 déc. 2026 (Mende), titre complet · <strong>J-17</strong>" in page
    assert f"/exams/{world.exam_id}" not in page  # the sessions are managers'
    assert f'href="/learners/{world.learner_id}/ecf"' in page
    assert 'aria-current="page">Qui est prêt·e ?</a>' in page
    auth.logout()
    auth.login("manager@example.org")
    page = client.get(f"/cohorts/{world.cohort_id}/readiness").text
    assert f'<a href="/exams/{world.exam_id}">Session d\'examen le 7 déc. 2026</a>' in page
    assert "Qui est prêt·e ?</a>" in client.get(f"/cohorts/{world.cohort_id}").text  # the cohort's tab


def test_the_next_session_of_a_cohort(app: Flask, client, auth, world) -> None:
    """Registered learners' session first; else a whole-title session of the programme within eight weeks of the
    cohort's end, before or after; a session of some blocks nobody of the cohort sits is not theirs."""
    with app.app_context():
        cohort = _cohort_with_learners(start=date(2026, 12, 14), end=date(2027, 12, 10))
        programme = cohort.programme
        factories.exam(programme, date(2027, 1, 11), [], ExamKind.BLOCKS, [programme.blocks[0]])
        factories.exam(programme, date(2028, 2, 7), [])  # past its end + 8 weeks
        factories.exam(programme, date(2027, 10, 14), [])  # in training: the session of the cohort before
        db.session.commit()
        cohort_id, programme_id = cohort.id, programme.id
    auth.login("trainer@example.org")
    assert "Aucune session d'examen à venir" in client.get(f"/cohorts/{cohort_id}/readiness").text
    with app.app_context():
        factories.exam(db.session.get(Programme, programme_id), date(2028, 1, 28), [])
        factories.exam(db.session.get(Programme, programme_id), date(2028, 2, 4), [])
        db.session.commit()
    assert "Session d'examen le 28 janv. 2028" in client.get(f"/cohorts/{cohort_id}/readiness").text
    with app.app_context():
        learner = db.session.scalars(sa.select(Learner).join(Enrolment).where(Enrolment.cohort_id == cohort_id)).first()
        factories.exam(db.session.get(Programme, programme_id), date(2028, 3, 1), [learner.enrolments[0]])
        db.session.commit()
    page = client.get(f"/cohorts/{cohort_id}/readiness").text
    assert "Session d'examen le 1 mars 2028" in page and "1 apprenant·e de la promotion inscrit·e" in page


@pytest.mark.parametrize(
    ("email", "mine", "status"),
    [
        ("trainer@example.org", True, 200),
        ("trainer@example.org", False, 404),
        ("manager@example.org", False, 200),
        ("learner@example.org", True, 404),
        ("admin@example.org", True, 404),
    ],
)
def test_who_may_see_the_page(client, auth, world, email, mine, status) -> None:
    auth.login(email)
    cohort_id = world.cohort_id if mine else world.other_cohort_id
    assert client.get(f"/cohorts/{cohort_id}/readiness").status_code == status


def test_the_page_runs_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("trainer@example.org")
    url = f"/cohorts/{world.cohort_id}/readiness"

    def count() -> int:
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    def grow(learners: int) -> None:
        with app.app_context():
            cohort = db.session.get(Cohort, world.cohort_id)
            for number in range(learners):
                enrolment = factories.learner(cohort).enrolments[0]
                db.session.flush()
                make_ready(enrolment, 1 + number % 2)
                factories.ecf_situation(enrolment, cohort.programme.blocks[0], date(2026, 11, 10), False)
            factories.exam(cohort.programme, TODAY + timedelta(days=30), [])
            db.session.commit()

    grow(1)
    few = count()
    grow(12)
    assert count() == few <= 8, few


# The trainer's weekly list on /cohorts/


def _panel(page: str) -> str:
    if "weekly-title" not in page:
        return ""
    return page[page.index('<section aria-labelledby="weekly-title"') :].split("</section>")[0]


@pytest.mark.parametrize(("days", "shown"), [(56, True), (57, False), (63, False), (0, True)])
def test_the_weekly_list_starts_eight_weeks_before_the_session(
    client, auth, world, monkeypatch: pytest.MonkeyPatch, days: int, shown: bool
) -> None:
    monkeypatch.setattr(dates, "today", lambda: WORLD_EXAM_DAY - timedelta(days=days))
    auth.login("trainer@example.org")
    panel = _panel(client.get("/cohorts/").text)
    assert bool(panel) == shown
    if days == 56:
        assert "Session du 7 déc. 2026 dans 8 semaines (<strong>J-56</strong>) : 0 prêt·e sur 1." in panel
        assert f'href="/cohorts/{world.cohort_id}/readiness"' in panel and "Pas encore prêt·es : Luc Lefèvre" in panel
        assert "Rodez" not in panel  # another trainer's cohort, whose learner sits the same session
    if days == 0:
        assert "dans 0 jour (<strong>J-0</strong>)" in panel


def test_the_weekly_list_names_the_not_ready_first(app: Flask, client, auth, world) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, world.cohort_id)
        ready = factories.learner(cohort, first_name="Ana", last_name="Prête")
        db.session.flush()
        make_ready(ready.enrolments[0])
        db.session.commit()
    auth.login("trainer@example.org")
    panel = _panel(client.get("/cohorts/").text)
    assert "1 prêt·e sur 2." in panel and "dans 2 semaines (<strong>J-17</strong>)" in panel
    assert panel.index("Pas encore prêt·es : Luc Lefèvre") < panel.index("Prêt·es : Ana Prête")
    auth.logout()
    auth.login("other.trainer@example.org")  # Rose, finished, registered at the same session
    panel = _panel(client.get("/cohorts/").text)
    assert "Rodez 2026 automne" in panel and "0 prêt·e sur 1." in panel and "Luc" not in panel


def test_the_home_keeps_a_fixed_number_of_queries(app: Flask, client, auth, world, count_queries) -> None:
    auth.login("trainer@example.org")

    def count() -> int:
        with count_queries() as counted:
            assert client.get("/cohorts/").status_code == 200
        return counted.count

    def grow(cohorts: int) -> None:
        with app.app_context():
            for _ in range(cohorts):
                start, end = TODAY - timedelta(days=300), TODAY + timedelta(days=20)
                cohort = _cohort_with_learners(count=4, start=start, end=end)
                for enrolment in cohort.enrolments[:2]:
                    make_ready(enrolment)
                factories.exam(cohort.programme, TODAY + timedelta(days=25), cohort.enrolments[:3])
            db.session.commit()

    grow(1)
    few = count()
    grow(8)
    page = client.get("/cohorts/").text
    assert _panel(page).count("<h3>") == 10 and "2 prêt·es sur 4." in _panel(page)
    assert count() <= 3  # kept until the next write, for this trainer and day
    grow(1)
    assert count() == few <= 10, few
