"""The public page's figures (issue 19, bootcamp/public/figures.py): a hand-made case worked by hand for a programme,
for each of its sites and for each start year; the small-group rule; the same figures as the dashboard's own web
exports (/insertion, /satisfaction and /certification export.csv, another code path) on the hand-made case and on
the demo data (with tests/browser/test_public_pages.py); the year selector; the number of queries."""

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bootcamp.extensions import db
from bootcamp.models import (
    AgeBand,
    Block,
    BlockResult,
    DropoutReason,
    Enrolment,
    EnrolmentStatus,
    ExamKind,
    Gender,
    Outcome,
    Programme,
    Site,
    Situation,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from bootcamp.public import figures
from bootcamp.public.figures import NOT_MEASURED, SHOWN, SMALL

from . import factories
from .conftest import AuthActions

AS_OF = date(2026, 11, 30)  # the day the figures are computed: the last complete year is 2025
ACQ, NOT, ABS = BlockResult.ACQUIRED, BlockResult.NOT_ACQUIRED, BlockResult.ABSENT
BC01, BC02 = "RNCP37674BC01", "RNCP37674BC02"
CDI, CDD, LONG, BUSINESS = Situation.CDI, Situation.CDD_SHORT, Situation.CDD_LONG, Situation.BUSINESS
TRAINING, SEARCH, INACTIVE, UNKNOWN, WORK = (
    Situation.TRAINING, Situation.JOB_SEARCH, Situation.INACTIVE, Situation.UNKNOWN, Situation.WORK_STUDY
)  # fmt: skip
A25_END, B25_END, A24_END = date(2025, 11, 28), date(2026, 6, 26), date(2025, 6, 27)

# Worked by hand, as of AS_OF, follow-up at +6 months. Each learner: status, exit date, results (BC01, BC02) at the
# cohort's whole-title session (None: not registered), situation at +6 months (None: none recorded).
# Alès 2025 (DWWM, from 3 Feb 2025): 8 entrants, every leaver due (+6 months of 28 Nov 2025: 28 May 2026).
A25 = [
    ("finished", A25_END, (ACQ, ACQ), CDI),  # a1 obtained, employed
    ("finished", A25_END, (ACQ, ACQ), CDD),  # a2 obtained, employed
    ("finished", A25_END, (ACQ, NOT), TRAINING),  # a3 partial, positive
    ("finished", A25_END, (NOT, NOT), SEARCH),  # a4 failed, known
    ("finished", A25_END, (ACQ, ACQ), UNKNOWN),  # a5 obtained, « sans nouvelles »: not known
    ("finished", A25_END, (ABS, ABS), None),  # a6 absent: did not sit; nothing recorded
    ("dropped", date(2025, 5, 15), None, CDI),  # a7 employed
    ("dropped", date(2025, 10, 3), None, TRAINING),  # a8 positive
]
# Nîmes 2025 (DWWM, from 1 Sep 2025, ends 26 Jun 2026: +6 months on 26 Dec 2026, not yet due).
B25 = [
    ("finished", B25_END, (ACQ, ACQ), CDI),  # b1 obtained; its CDI is not due yet: not counted
    ("finished", B25_END, (ACQ, ACQ), None),  # b2 obtained
    ("finished", B25_END, (NOT, NOT), None),  # b3 failed
    ("finished", B25_END, (None, None), None),  # b4 registered, no result yet: pending
    ("dropped", date(2025, 12, 12), None, INACTIVE),  # b5 due, known, neither employed nor positive
    ("dropped", date(2026, 2, 20), None, None),  # b6 due, nothing recorded
    ("in_training", None, None, None),  # b7
]
# Alès 2024 (DWWM, from 2 Sep 2024): 6 entrants, all finished and due. BC01 at a blocks session for all six, BC02 at
# another for the first four only (so BC02 has 4 candidates).
A24 = [
    ("finished", A24_END, (ACQ, ACQ), CDI),  # c1 obtained
    ("finished", A24_END, (ACQ, ACQ), CDI),  # c2 obtained
    ("finished", A24_END, (ACQ, ACQ), LONG),  # c3 obtained
    ("finished", A24_END, (ACQ, ACQ), TRAINING),  # c4 obtained, positive
    ("finished", A24_END, (ACQ, None), UNKNOWN),  # c5 partial
    ("finished", A24_END, (NOT, None), BUSINESS),  # c6 failed, employed
]
# Satisfaction (overall scores; 4 or 5 satisfied): Alès 2025 « à chaud » 8 invited, 6 answers (4 satisfied),
# « à froid » 8 invited, 4 answers; Nîmes 2025 « à chaud » 7 invited, 5 answers (4 satisfied), nobody « à froid »;
# Alès 2024 none.
SURVEYS = {
    ("A25", SurveyKind.HOT): [5, 4, 4, 3, 5, 2],
    ("A25", SurveyKind.COLD): [5, 5, 4, 1],
    ("B25", SurveyKind.HOT): [5, 5, 4, 1, 4],
}
# A CDA cohort at Alès from March 2025 (6 finished, certified, employed, all satisfied): another programme's, never
# counted in DWWM's figures.

# The expected figures: code (block code for block_pass_rate) -> (status, numerator, denominator); entrants: value.
PROGRAMME_2025 = {
    "entrants": (SHOWN, 15, None),
    "completion_rate": (SHOWN, 10, 15),  # a1-a6, b1-b4: 66.7 %
    "dropout_rate": (SHOWN, 4, 15),  # a7, a8, b5, b6: 26.7 %
    "pass_rate": (SHOWN, 5, 8),  # a1, a2, a5, b1, b2 of a1-a5, b1-b3: 62.5 %
    BC01: (SHOWN, 6, 8),  # a1, a2, a3, a5, b1, b2 of 8 sat (a6 absent, b4 pending): 75.0 %
    BC02: (SHOWN, 5, 8),  # a1, a2, a5, b1, b2: 62.5 %
    "employment_rate": (SHOWN, 3, 7),  # a1, a2, a7 of a1-a4, a7, a8, b5 known: 42.9 %
    "positive_exit_rate": (SHOWN, 5, 7),  # and a3, a8: 71.4 %
    "follow_up_response_rate": (SHOWN, 7, 10),  # 10 due: the 8 of Alès, b5, b6: 70.0 %
    "satisfaction_hot_rate": (SHOWN, 8, 11),  # 72.7 %
    "satisfaction_hot_response_rate": (SHOWN, 11, 15),  # 73.3 %
    "satisfaction_cold_rate": (SMALL, None, None),  # 4 answers
    "satisfaction_cold_response_rate": (SMALL, None, None),
}
ALES_2025 = {
    "entrants": (SHOWN, 8, None),
    "completion_rate": (SHOWN, 6, 8),
    "dropout_rate": (SHOWN, 2, 8),
    "pass_rate": (SHOWN, 3, 5),
    BC01: (SHOWN, 4, 5),  # a1, a2, a3, a5 of a1-a5
    BC02: (SHOWN, 3, 5),
    "employment_rate": (SHOWN, 3, 6),
    "positive_exit_rate": (SHOWN, 5, 6),
    "follow_up_response_rate": (SHOWN, 6, 8),
    "satisfaction_hot_rate": (SHOWN, 4, 6),
    "satisfaction_hot_response_rate": (SHOWN, 6, 8),
    "satisfaction_cold_rate": (SMALL, None, None),
    "satisfaction_cold_response_rate": (SMALL, None, None),
}
NIMES_2025 = {
    "entrants": (SHOWN, 7, None),
    "completion_rate": (SHOWN, 4, 7),
    "dropout_rate": (SHOWN, 2, 7),
    "pass_rate": (SMALL, None, None),  # 3 sat
    BC01: (SMALL, None, None),  # 4 candidates
    BC02: (SMALL, None, None),
    "employment_rate": (SMALL, None, None),  # 1 known
    "positive_exit_rate": (SMALL, None, None),
    "follow_up_response_rate": (SMALL, None, None),  # 2 due
    "satisfaction_hot_rate": (SHOWN, 4, 5),
    "satisfaction_hot_response_rate": (SHOWN, 5, 7),
    "satisfaction_cold_rate": (NOT_MEASURED, None, None),  # nobody invited
    "satisfaction_cold_response_rate": (NOT_MEASURED, None, None),
}
PROGRAMME_2024 = {  # Alès 2024 alone: the same for the programme and for Alès
    "entrants": (SHOWN, 6, None),
    "completion_rate": (SHOWN, 6, 6),
    "dropout_rate": (SHOWN, 0, 6),
    "pass_rate": (SHOWN, 4, 6),  # c5 partial, c6 failed
    BC01: (SHOWN, 5, 6),
    BC02: (SMALL, None, None),  # 4 candidates, while the title's rate is shown
    "employment_rate": (SHOWN, 4, 5),  # c1, c2, c3, c6 of all but c5
    "positive_exit_rate": (SHOWN, 5, 5),
    "follow_up_response_rate": (SHOWN, 5, 6),
    "satisfaction_hot_rate": (NOT_MEASURED, None, None),
    "satisfaction_hot_response_rate": (NOT_MEASURED, None, None),
    "satisfaction_cold_rate": (NOT_MEASURED, None, None),
    "satisfaction_cold_response_rate": (NOT_MEASURED, None, None),
}
NOBODY = {code: (NOT_MEASURED, None, None) for code in PROGRAMME_2024}  # Nîmes 2024: no cohort


def _session(programme: Programme, on: date, results: dict, kind: ExamKind = ExamKind.TITLE, blocks=None) -> None:
    """A session with these candidates (enrolment -> one result per block examined, None: pending)."""
    factories.exam_with_results(programme, on, results, kind, blocks)


def _learners(cohort, rows: list) -> list[Enrolment]:
    """The cohort's learners as the rows say (status, exit date, results, situation at +6 months)."""
    enrolments = []
    for status, exit_date, _results, situation in rows:
        enrolment = factories.learner(cohort).enrolments[0]
        enrolment.status, enrolment.exit_date = EnrolmentStatus(status), exit_date
        if enrolment.status == EnrolmentStatus.DROPPED:
            enrolment.dropout_reason = DropoutReason.OTHER
        if situation is not None:
            db.session.add(Outcome(enrolment=enrolment, point=figures.POINT, situation=situation))
        enrolments.append(enrolment)
    db.session.flush()
    return enrolments


def _survey(cohort, kind: SurveyKind, enrolments: list[Enrolment], scores: list[int]) -> None:
    """Everyone invited to the cohort's questionnaire of `kind`, and these anonymous answers."""
    campaign = factories.survey_campaign(cohort, kind)
    for enrolment in enrolments:
        db.session.add(SurveyInvitation(campaign=campaign, enrolment=enrolment, answered=False))
    for score in scores:
        db.session.add(SurveyResponse(campaign_id=campaign.id, gender=Gender.FEMALE, age_band=AgeBand.UNDER_26,
                                      overall=score))


def _other_programme(site: Site) -> None:
    """A CDA cohort at `site` that started in 2025, its six learners certified, employed and satisfied."""
    cda = Programme(rncp_code="RNCP37873", title="Concepteur développeur d'applications", short_name="CDA", level=6)
    cda.blocks = [Block(code="RNCP37873BC01", title="Concevoir et développer", position=1)]
    db.session.add(cda)
    cohort = factories.cohort("Alès 2025 CDA", at=site, start=date(2025, 3, 3), end=date(2025, 12, 19))
    cohort.programme = cda
    rows = [("finished", date(2025, 12, 19), (ACQ,), CDI)] * 6
    enrolments = _learners(cohort, rows)
    _session(cda, date(2025, 12, 8), {enrolment: [ACQ] for enrolment in enrolments})
    _survey(cohort, SurveyKind.HOT, enrolments, [5] * 6)


@pytest.fixture
def cases(app: Flask, world: factories.World) -> dict[str, int]:
    """The hand-made case above (with the test world's 2026 cohorts, which count in neither year): the ids."""
    with app.app_context():
        ales, nimes = factories.site("Alès"), factories.site("Nîmes")
        a25 = factories.cohort("Alès 2025", at=ales, start=date(2025, 2, 3), end=A25_END)
        b25 = factories.cohort("Nîmes 2025", at=nimes, start=date(2025, 9, 1), end=B25_END)
        a24 = factories.cohort("Alès 2024", at=ales, start=date(2024, 9, 2), end=A24_END)
        programme = a25.programme
        made = (("A25", a25, A25), ("B25", b25, B25), ("A24", a24, A24))
        people = {name: _learners(cohort, rows) for name, cohort, rows in made}
        for name, on, rows in (("A25", date(2025, 11, 17), A25), ("B25", date(2026, 6, 22), B25)):
            sat = {e: list(row[2]) for e, row in zip(people[name], rows, strict=True) if row[2] is not None}
            _session(programme, on, sat)
        first, second = programme.blocks
        c = people["A24"]
        _session(programme, date(2025, 6, 9), {e: [row[2][0]] for e, row in zip(c, A24)}, ExamKind.BLOCKS, [first])
        _session(programme, date(2025, 6, 16), {e: [ACQ] for e in c[:4]}, ExamKind.BLOCKS, [second])
        cohorts = {"A25": a25, "B25": b25}
        for (name, kind), scores in SURVEYS.items():
            _survey(cohorts[name], kind, people[name], scores)
        _other_programme(ales)
        db.session.commit()
        return {"programme": programme.id, "ales": ales.id, "nimes": nimes.id}


def _check(results: figures.Results, expected: dict) -> None:
    """Each figure's status, value, numerator and denominator as worked by hand (a value is 100 × num / den)."""
    seen = {item.block or item.code: item for item in results.figures}
    assert list(seen) == list(expected)
    for key, (status, numerator, denominator) in expected.items():
        found = seen[key]
        assert found.status == status, key
        if key == "entrants":
            assert (found.value, found.people) == ((numerator, numerator) if status == SHOWN else (None, None)), key
        elif status == SHOWN:
            assert (found.numerator, found.denominator, found.people) == (numerator, denominator, denominator), key
            assert found.value == pytest.approx(100 * numerator / denominator), key
        else:
            assert (found.value, found.numerator, found.denominator, found.people) == (None,) * 4, key


def test_the_figures_worked_by_hand(app: Flask, cases: dict[str, int]) -> None:
    programme, ales, nimes = cases["programme"], cases["ales"], cases["nimes"]
    with app.app_context():
        _check(figures.results(programme, None, 2025, AS_OF), PROGRAMME_2025)
        _check(figures.results(programme, ales, 2025, AS_OF), ALES_2025)
        _check(figures.results(programme, nimes, 2025, AS_OF), NIMES_2025)
        _check(figures.results(programme, None, 2024, AS_OF), PROGRAMME_2024)
        _check(figures.results(programme, ales, 2024, AS_OF), PROGRAMME_2024)
        _check(figures.results(programme, nimes, 2024, AS_OF), NOBODY)  # nobody entered: nothing is « fewer than 5 »
        results = figures.results(programme, None, 2025, AS_OF)
        assert (results.year, results.as_of, results.period_start, results.period_end) == (
            2025, AS_OF, date(2025, 1, 1), date(2025, 12, 31)
        )
        assert [code for code, _title in results.blocks] == [BC01, BC02]
        assert [item.code for item in results.figures] == [
            code for code in figures.CODES for _ in (results.blocks if code == "block_pass_rate" else [None])
        ]
        assert set(figures.names()) == set(figures.meanings()) == set(figures.CODES)


def test_the_day_counts(app: Flask, cases: dict[str, int]) -> None:
    """As of 1 March 2026 Alès 2025's finishers are not due yet (28 May 2026), nor Nîmes 2025's session held."""
    with app.app_context():
        earlier = figures.results(cases["programme"], None, 2025, date(2026, 3, 1))
    # due: a7 (15 Nov 2025), a8 (3 Apr 2026: no), b5 (12 Jun 2026: no): one due, hidden
    assert earlier.figure("follow_up_response_rate").status == SMALL
    assert earlier.figure("employment_rate").status == SMALL
    # candidates: Alès 2025's only (a1-a6): 3 of 5 sat
    assert (earlier.figure("pass_rate").numerator, earlier.figure("pass_rate").denominator) == (3, 5)
    assert earlier.figure("block_pass_rate", BC01).denominator == 5


def _entrants(site: Site, start: date, rows: list) -> tuple:
    cohort = factories.cohort(f"{site.name} {start.year}", at=site, start=start, end=date(2026, 10, 30))
    return cohort, _learners(cohort, rows)


def test_fewer_than_five_entrants_hide_every_figure(app: Flask) -> None:
    with app.app_context():
        site = factories.site("Florac")
        cohort, enrolments = _entrants(site, date(2023, 9, 4), [("finished", date(2024, 6, 28), (ACQ, ACQ), CDI)] * 4)
        _session(cohort.programme, date(2024, 6, 17), {enrolment: [ACQ, ACQ] for enrolment in enrolments})
        _survey(cohort, SurveyKind.HOT, enrolments, [5, 5, 5, 5])  # « à froid »: nobody invited, hidden too
        db.session.commit()
        results = figures.results(cohort.programme_id, site.id, 2023, AS_OF)
    assert {item.status for item in results.figures} == {SMALL}
    assert {(item.value, item.numerator, item.denominator, item.people) for item in results.figures} == {(None,) * 4}
    assert len(results.figures) == len(figures.CODES) + 1  # both blocks


def test_five_entrants_four_who_sat_nobody_due_four_answers(app: Flask) -> None:
    with app.app_context():
        site = factories.site("Florac")
        rows = [("finished", date(2026, 10, 30), (ACQ, ACQ), None)] * 4 + [("finished", date(2026, 10, 30), None, CDI)]
        cohort, enrolments = _entrants(site, date(2025, 11, 3), rows)
        _session(cohort.programme, date(2026, 10, 19), {enrolment: [ACQ, ACQ] for enrolment in enrolments[:4]})
        _survey(cohort, SurveyKind.HOT, enrolments, [5, 4, 4, 1])
        db.session.commit()
        results = figures.results(cohort.programme_id, site.id, 2025, AS_OF)
    assert results.figure("entrants").value == 5
    completion = results.figure("completion_rate")
    assert (completion.status, completion.value, completion.people) == (SHOWN, 100.0, 5)
    assert results.figure("pass_rate").status == SMALL  # 4 sat
    assert results.figure("block_pass_rate", BC01).status == results.figure("block_pass_rate", BC02).status == SMALL
    # exit on 30 Oct 2026: due on 30 Apr 2027; the CDI recorded early counts nowhere
    for code in ("employment_rate", "positive_exit_rate", "follow_up_response_rate"):
        assert results.figure(code).status == NOT_MEASURED, code
    assert results.figure("satisfaction_hot_rate").status == SMALL  # 4 answers of 5 invited
    assert results.figure("satisfaction_hot_response_rate").status == SMALL
    assert results.figure("satisfaction_cold_rate").status == NOT_MEASURED  # nobody invited


def test_the_years_to_choose(app: Flask, cases: dict[str, int]) -> None:
    programme, ales, nimes = cases["programme"], cases["ales"], cases["nimes"]
    with app.app_context():
        assert figures.years(programme, None, AS_OF) == [2025, 2024]  # the world's 2026 cohorts: not complete
        assert figures.years(programme, ales, AS_OF) == [2025, 2024]
        assert figures.years(programme, nimes, AS_OF) == [2025]
        assert figures.years(programme, nimes, date(2026, 1, 1)) == [2025]
        assert figures.years(programme, None, date(2025, 12, 31)) == [2024]
        assert figures.years(programme, nimes, date(2025, 6, 1)) == [2024]  # the last complete year, even empty
        assert figures.years(programme, None, date(2027, 1, 4)) == [2026, 2025, 2024]
    assert figures.last_complete_year(AS_OF) == 2025


def test_four_queries_five_on_a_site(app: Flask, cases: dict[str, int], count_queries) -> None:
    with app.app_context():
        with count_queries() as counter:
            figures.results(cases["programme"], None, 2025, AS_OF)
        assert counter.count <= 4, counter.statements
        site = db.session.get(Site, cases["ales"])  # the page found its site first (access.get_public_site_or_404)
        with count_queries() as counter:
            figures.results(cases["programme"], site.id, 2025, AS_OF)
        assert counter.count <= 5, counter.statements  # and the sites' entrants: their secondary suppression


def test_a_site_is_hidden_too_when_it_would_reveal_a_small_one(app: Flask, cases: dict[str, int]) -> None:
    """2023: Alès 6 entrants, Nîmes 7, Florac 4. Florac's figures are hidden (fewer than 5); the programme's (17)
    minus Nîmes' would give Florac's if Alès' were shown: Alès, the next smallest, is hidden too (secondary)."""
    with app.app_context():
        sites = {name: db.session.get(Site, cases[name]) for name in ("ales", "nimes")} | {
            "florac": factories.site("Florac")
        }
        for name, size in (("ales", 6), ("nimes", 7), ("florac", 4)):
            cohort = factories.cohort(f"{name} 2023", at=sites[name], start=date(2023, 9, 4), end=date(2024, 6, 28))
            for _ in range(size):
                factories.learner(cohort)
        db.session.commit()
        statuses = {
            name: {item.status for item in figures.results(cases["programme"], site.id, 2023, AS_OF).figures}
            for name, site in sites.items()
        }
        everyone = figures.results(cases["programme"], None, 2023, AS_OF)
    assert statuses["florac"] == {SMALL}
    assert statuses["ales"] == {figures.SECONDARY}
    assert SHOWN in statuses["nimes"] and figures.SECONDARY not in statuses["nimes"]
    assert everyone.figure("entrants").value == 17


# Equality with the dashboard, through its web exports: another code path than figures.py's.
def _all_row(client: FlaskClient, path: str, query: dict, by: str = "year", group: str = "all") -> dict | None:
    answer = client.get(path, query_string={"by": by, **query})
    assert answer.status_code == 200, answer.text
    return next((row for row in csv.DictReader(io.StringIO(answer.text)) if row["group"] == group), None)


def _same(found: figures.Figure, numerator: str, denominator: str, shown: str | None = None) -> None:
    """`found` is the rate numerator / denominator of the CSV's counts: shown with the CSV's value (`shown`, or
    computed when the CSV has no column for it) from 5 people, hidden under 5, not measured over nobody."""
    over = int(denominator)
    if over == 0:
        assert (found.status, found.value) == (NOT_MEASURED, None), found
    elif over < 5:
        assert (found.status, found.value) == (SMALL, None), found
        assert shown in (None, ""), found
    else:
        value = f"{round(100 * int(numerator) / over, 1):.1f}"
        assert (found.status, found.numerator, found.denominator) == (SHOWN, int(numerator), over), found
        assert f"{round(found.value, 1):.1f}" == value == (shown or value), found


def _same_insertion(results: figures.Results, row: dict) -> bool:
    """The insertion export's `all` row; True when the group is hidden (fewer than 5 entrants)."""
    if row["entrants"] == "<5":
        assert {item.status for item in results.figures} == {SMALL}, results
        return True
    assert results.figure("entrants").value == int(row["entrants"])
    _same(results.figure("completion_rate"), row["finished"], row["entrants"])
    _same(results.figure("dropout_rate"), row["dropped"], row["entrants"])
    _same(results.figure("pass_rate"), row["certified"], row["sat_exam"])
    _same(results.figure("employment_rate"), row["employed"], row["known"], row["employment_rate"])
    _same(results.figure("positive_exit_rate"), row["positive"], row["known"], row["positive_rate"])
    _same(results.figure("follow_up_response_rate"), row["known"], row["due"], row["response_rate"])
    return False


def _same_satisfaction(results: figures.Results, kind: str, row: dict) -> None:
    rate, response = results.figure(f"satisfaction_{kind}_rate"), results.figure(f"satisfaction_{kind}_response_rate")
    if row["respondents"] in ("<5", "*"):  # fewer than 5 answers, or nobody invited (« not measured »)
        assert rate.status == response.status != SHOWN and rate.value is response.value is None, (kind, rate)
        return
    _same(rate, row["satisfied"], row["respondents"], row["satisfaction_rate"])
    _same(response, row["respondents"], row["invited"], row["response_rate"])


def _same_blocks(client: FlaskClient, results: figures.Results, query: dict) -> None:
    answer = client.get("/certification/export.csv", query_string={"by": "block", **query})
    assert answer.status_code == 200, answer.text
    rows = {row["group"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    everyone = rows["all"]  # the title's, as the insertion export counts it
    if everyone["candidates"] != "<5":
        _same(results.figure("pass_rate"), everyone["obtained"], everyone["sat"], everyone["pass_rate"])
    for code, _title in results.blocks:
        found, row = results.figure("block_pass_rate", code), rows.get(code)
        if row is None:
            assert found.status == NOT_MEASURED, code
        elif row["candidates"] == "<5":
            assert (found.status, found.value) == (SMALL, None), code
        else:
            _same(found, row["obtained"], row["sat"], row["pass_rate"])


def assert_same_as_dashboard(client: FlaskClient, programme: int, site: int | None, year: int, as_of: date) -> None:
    """The public figures of `programme` (at `site`) for `year` as of `as_of` equal the `all` rows of the dashboard's
    CSV exports with the same filters (`client` logged in as a manager)."""
    results = figures.results(programme, site, year, as_of)
    query = {"programme": programme, "year": year, "as_of": as_of.isoformat()} | ({"site": site} if site else {})
    hidden = _same_insertion(results, _all_row(client, "/insertion/export.csv", {**query, "point": figures.POINT}))
    if hidden:
        return
    for kind in ("hot", "cold"):
        _same_satisfaction(results, kind, _all_row(client, "/satisfaction/export.csv", {**query, "kind": kind}))
    _same_blocks(client, results, query)


def test_the_same_figures_as_the_dashboard(app: Flask, client: FlaskClient, auth: AuthActions, cases) -> None:
    auth.login("manager@example.org")
    programme = cases["programme"]
    with app.app_context():
        for site in (None, cases["ales"], cases["nimes"]):
            assert_same_as_dashboard(client, programme, site, 2025, AS_OF)
        for site in (None, cases["ales"]):
            assert_same_as_dashboard(client, programme, site, 2024, AS_OF)


def test_a_hidden_group_equals_the_dashboard_too(app: Flask, client: FlaskClient, auth: AuthActions, world) -> None:
    with app.app_context():
        site = factories.site("Florac")
        cohort, enrolments = _entrants(site, date(2023, 9, 4), [("finished", date(2024, 6, 28), (ACQ, ACQ), CDI)] * 4)
        _session(cohort.programme, date(2024, 6, 17), {enrolment: [ACQ, ACQ] for enrolment in enrolments})
        db.session.commit()
        programme, site_id = cohort.programme_id, site.id
    auth.login("manager@example.org")
    with app.app_context():
        assert_same_as_dashboard(client, programme, site_id, 2023, AS_OF)


# The demo data: tests/browser/test_public_pages.py runs this on the browser tests' demo database (the « Done when »).
def assert_demo_equals_dashboard(app: Flask, client: FlaskClient, as_of: date) -> int:
    """On a database with the demo data: DWWM's figures for the programme and each site, every complete year, equal
    the dashboard's (`client` logged in as a manager); how many selections were compared."""
    compared = 0
    with app.app_context():
        programme = factories.dwwm().id
        sites = db.session.scalars(sa.select(Site.id).order_by(Site.id)).all()
        for site in (None, *sites):
            for year in figures.years(programme, site, as_of):
                assert_same_as_dashboard(client, programme, site, year, as_of)
                compared += 1
    return compared
