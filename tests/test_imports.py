"""Imports: all or nothing, every bad row reported, idempotent, audited; cohorts from the CLI and the web."""

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from bootcamp.certification import results
from bootcamp.extensions import db
from bootcamp.models import (
    Certification,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamResult,
    ExamSession,
    Gender,
    Learner,
    Outcome,
    Situation,
)

from . import factories
from .conftest import AuthActions, audit_events, page_form

HEADER = (
    "email,first_name,last_name,gender,birth_date,postal_code,diploma,flags,referrer,"
    "status,exit_date,dropout_reason,certification\n"
)
GOOD = HEADER + (
    "anne@example.net,Anne,Aubrac,female,1999-03-12,48000,bac,qpv|jobseeker,france_travail,,,,\n"
    "Bruno@Example.net,Bruno,Bex,homme,02/01/1980,48100,infra-bac,reconversion,mission_locale,"
    "abandon,2026-10-15,santé,\n"
)


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _import(app: Flask, tmp_path, text: str | bytes, cohort: str = "Mende 2026 automne", kind: str = "learners"):
    path = tmp_path / "file.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    args = ["import", kind, str(path)] + (["--cohort", cohort] if kind == "learners" else [])
    return app.test_cli_runner().invoke(args=args)


def test_import_learners_then_again_changes_nothing(app: Flask, world, tmp_path) -> None:
    result = _import(app, tmp_path, GOOD)
    assert result.exit_code == 0 and "2 created, 0 updated, 0 unchanged" in result.output
    with app.app_context():
        bruno = db.session.scalars(sa.select(Learner).where(Learner.email == "bruno@example.net")).one()
        assert (bruno.gender, bruno.birth_date, bruno.career_change, bruno.referrer.value) == (
            Gender.MALE,
            date(1980, 1, 2),
            True,
            "mission_locale",
        )
        enrolment = bruno.enrolments[0]
        assert (enrolment.status, enrolment.exit_date, enrolment.dropout_reason.value) == (
            EnrolmentStatus.DROPPED,
            date(2026, 10, 15),
            "health",
        )
        anne = db.session.scalars(sa.select(Learner).where(Learner.email == "anne@example.net")).one()
        assert anne.flags == {"qpv", "jobseeker"} and anne.enrolments[0].status == EnrolmentStatus.IN_TRAINING
    events = len(audit_events(app))
    again = _import(app, tmp_path, GOOD)
    assert "0 created, 0 updated, 2 unchanged" in again.output
    assert len(audit_events(app)) == events


def test_a_changed_row_updates_the_learner_and_is_audited(app: Flask, world, tmp_path) -> None:
    _import(app, tmp_path, GOOD)
    changed = GOOD.replace("Anne,Aubrac,female,1999-03-12,48000", "Anne,Aubrac-Roux,female,1999-03-12,48200")
    result = _import(app, tmp_path, changed)
    assert "0 created, 1 updated, 1 unchanged" in result.output
    last = [e for e in audit_events(app, "learner") if e.action == "update"][-1]
    assert (last.before["last_name"], last.after["last_name"]) == ("Aubrac", "Aubrac-Roux")
    assert (last.before["postal_code"], last.after["postal_code"]) == ("48000", "48200")


def test_semicolons_bom_and_french_labels(app: Flask, world, tmp_path) -> None:
    text = (
        "\ufeffemail;first_name;last_name;gender;birth_date;diploma\n"
        "chloe@example.net;Chloé;Cévennes;Femme;01/06/2001;bac+2\n"
    )
    assert _import(app, tmp_path, text.encode("utf-8")).exit_code == 0
    with app.app_context():
        chloe = db.session.scalars(sa.select(Learner).where(Learner.email == "chloe@example.net")).one()
        assert chloe.gender == Gender.FEMALE and chloe.diploma.value == "bac_2" and chloe.first_name == "Chloé"


@pytest.mark.parametrize(
    "content,expected",
    [
        (
            (HEADER + "émile@example.net,Émile,Éluard,male,2000-01-01,,,,,,,,\n").encode("utf-8")
            + "zoé@example.net,Zoé,Z,male,2000-01-01,,,,,,,,\n".encode("latin-1"),
            ["line 3: "],
        ),
        (
            b"email,first_name,gender,birth_date\nx@example.net,X,male,2000-01-01\n",
            ["column Nom (last_name): required column missing"],
        ),
        (b"email,first_name,last_name,gender,birth_date,shoe_size\n", ["column shoe_size: unknown column"]),
        (
            HEADER + "a@example.net,A,A,martian,2000-01-01,,,,,,,,\nb@example.net,B,B,male,2000-02-30,,,,,,,,\n"
            "c@example.net,C,C,male,2000-01-01,,phd,qpv|vip,,,,,\nd@example.net,D,D,male,2000-01-01,,,,,dropped,,,\n"
            "not-an-email,E,E,male,2000-01-01,,,,,,,,\nf@example.net,F,F,male,2000-01-01,,,,,finished,2025-01-01,,\n",
            [
                "line 2, column gender: “martian” is not a known code",
                "line 3, column birth_date: “2000-02-30” is not a date",
                "line 4, column diploma: “phd”",
                "line 4, column flags: “vip”",
                "line 5, column exit_date: an exit (dropout or end) needs its date",
                "line 5, column dropout_reason: a dropout needs its reason",
                "line 6, column email: “not-an-email” is not a valid email address",
                "line 7, column exit_date: the exit cannot be before the start of the cohort",
            ],
        ),
        (
            HEADER + "a@example.net,A,A,male,2000-01-01,,,,,,,,\nA@example.net,A,A,male,2000-01-01,,,,,,,,\n",
            ["line 3, column email: a@example.net already appears on line 2"],
        ),
        (HEADER, ["line 2: no data row"]),
        (
            HEADER + "a@example.net,A,A,male,2000-01-01,,,,,,,,,x\nb@example.net,B,B,male,2000-01-01,,,,,,,,,x,y\n",
            ["line 2: 1 cell too many: check the separator", "line 3: 2 cells too many: check the separator"],
        ),
    ],
)
def test_a_bad_file_imports_nothing_and_reports_every_problem(app: Flask, world, tmp_path, content, expected) -> None:
    before = _count(app, Learner), len(audit_events(app))
    result = _import(app, tmp_path, content)
    assert result.exit_code == 1 and "file refused, nothing imported" in result.output
    for message in expected:
        assert message in result.output
    assert (_count(app, Learner), len(audit_events(app))) == before


def test_ten_thousand_rows_with_one_bad_row_import_nothing(app: Flask, world, tmp_path) -> None:
    rows = [
        f"p{n}@example.net,Prénom{n},Nom{n},{'female' if n % 3 else 'male'},1990-01-{n % 28 + 1:02d},48000,bac,,,,,,\n"
        for n in range(10_000)
    ]
    rows[7_777] = rows[7_777].replace(",bac,", ",phd,")
    result = _import(app, tmp_path, HEADER + "".join(rows))
    assert result.exit_code == 1 and "line 7779, column diploma" in result.output
    assert _count(app, Learner) == 2
    rows[7_777] = rows[7_777].replace(",phd,", ",bac,")
    result = _import(app, tmp_path, HEADER + "".join(rows))
    assert result.exit_code == 0 and "10000 created" in result.output
    assert _count(app, Enrolment) == 10_002


def test_unknown_cohort_is_refused(app: Flask, world, tmp_path) -> None:
    result = _import(app, tmp_path, GOOD, cohort="Nowhere")
    assert result.exit_code == 2 and "no cohort named 'Nowhere'" in result.output


def test_web_import_previews_then_confirms(app: Flask, client, auth: AuthActions, world) -> None:
    auth.login("manager@example.org")
    url = f"/cohorts/{world.cohort_id}/import"
    form = page_form(client, url)
    form["file"] = (io.BytesIO(GOOD.encode()), "learners.csv")
    preview = client.post(url, data=form, content_type="multipart/form-data")
    assert "2 créations, 0 modification, 0 ligne sans changement" in preview.text and _count(app, Learner) == 2
    hidden = r'<input id="(?:confirm-)?(content|digest|csrf_token)" name="\1" type="hidden" value="([^"]*)"'
    confirm = dict(re.findall(hidden, preview.text))
    import html

    confirm = {key: html.unescape(value) for key, value in confirm.items()}
    done = client.post(url, data=confirm)
    assert "Import terminé : 2 créés" in done.text and _count(app, Learner) == 4
    again = client.post(url, data=confirm)  # the same confirmation twice: the plan changed, nothing is redone
    assert "Les données ont changé" in again.text and _count(app, Learner) == 4

    bad = page_form(client, url)
    bad["file"] = (io.BytesIO(b"email,first_name\n"), "learners.csv")
    refused = client.post(url, data=bad, content_type="multipart/form-data")
    assert "Le fichier est refusé" in refused.text and "Nom (last_name) : colonne obligatoire absente" in refused.text
    assert refused.status_code == 422
    other = page_form(client, url)
    other["file"] = (io.BytesIO(GOOD.encode()), "learners.ods")
    wrong = client.post(url, data=other, content_type="multipart/form-data")
    assert "Un fichier .csv ou .xlsx" in wrong.text and wrong.status_code == 422


def test_import_outcomes(app: Flask, world, tmp_path) -> None:
    _import(app, tmp_path, GOOD)  # Bruno dropped out; Anne is in training
    text = (
        "email,point,situation,employer,job_title,digital,start_date\n"
        "bruno@example.net,0,cdi,Lozère Web,Développeur,yes,2026-11-02\n"
        "rose@example.net,6,en recherche d'emploi,,,,\n"
    )
    with app.app_context():
        db.session.execute(sa.update(Learner).where(Learner.first_name == "Rose").values(email="rose@example.net"))
        db.session.commit()
    result = _import(app, tmp_path, text, kind="outcomes")
    assert result.exit_code == 0 and "2 created" in result.output
    with app.app_context():
        outcomes = {o.point: o for o in db.session.scalars(sa.select(Outcome))}
        assert outcomes[0].situation == Situation.CDI and outcomes[0].digital is True
        assert outcomes[6].situation == Situation.JOB_SEARCH
    assert "0 created, 0 updated, 2 unchanged" in _import(app, tmp_path, text, kind="outcomes").output
    bad = (
        text
        + "anne@example.net,3,cdi,,,,\nnobody@example.net,3,cdi,,,,\n"
        + "bruno@example.net,0,cdd_long,,,maybe,\nbruno@example.net,9,cdi,,,,\n"
    )
    result = _import(app, tmp_path, bad, kind="outcomes")
    assert result.exit_code == 1
    for message in (
        "line 4, column email: anne@example.net is still in training",
        "line 5, column email: no learner with the address nobody@example.net",
        "line 6, column digital",
        "line 7, column point",
    ):
        assert message in result.output
    lines = [line.split(",")[0] for line in result.output.splitlines()[:4]]
    assert lines == ["line 4", "line 5", "line 6", "line 7"]  # in the file's order


def test_create_a_cohort_from_the_command_line(app: Flask, world) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        factories.site("Florac")  # sites come from the list (/sites/), named whatever the case
        db.session.commit()
    ok = runner.invoke(
        args=["cohorts", "create", "Florac 2027", "--site", "florac", "--start", "2027-02-01", "--end", "2027-11-19"]
    )
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        cohort = db.session.scalars(sa.select(Cohort).where(Cohort.name == "Florac 2027")).one()
        assert cohort.site.name == "Florac" and cohort.programme.rncp_code == "RNCP37674"
    for args, message in [
        (["florac 2027", "--site", "Mende", "--start", "2027-02-01", "--end", "2027-11-19"], "s'appelle déjà"),
        (
            ["Autre", "--site", "Mende", "--start", "2027-02-01", "--end", "2027-01-19"],
            "la fin doit venir après le début",
        ),
        (
            ["Autre", "--site", "Mende", "--start", "2027-02-01", "--end", "2027-11-19", "--programme", "RNCP1"],
            "aucun titre",
        ),
    ]:
        result = runner.invoke(args=["cohorts", "create", *args])
        assert result.exit_code == 1 and message in result.output
    assert _count(app, Cohort) == 3


def test_create_and_edit_a_cohort_on_the_web(app: Flask, client, auth: AuthActions, world) -> None:
    with app.app_context():
        factories.site("Langogne")  # chosen from the list of sites
        db.session.commit()
    auth.login("manager@example.org")
    form = page_form(client, "/cohorts/new")
    form.update(name="Mende 2026 automne", site="Mende", start_date="2027-02-01", end_date="2027-01-01")
    response = client.post("/cohorts/new", data=form)
    assert "Une promotion porte déjà ce nom" in response.text and "La fin doit venir après le début" in response.text
    form.update(name="Langogne 2027", site="Langogne", start_date=" ", end_date="2027-11-19")
    assert "Indiquez la date de début" in client.post("/cohorts/new", data=form).text  # blank is not a date
    form.update(start_date="2027-02-01")
    assert client.post("/cohorts/new", data=form).status_code == 302
    with app.app_context():
        cohort_id = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == "Langogne 2027"))
    edit = page_form(client, f"/cohorts/{cohort_id}/edit")
    assert edit["site"] == "Langogne"
    edit["name"] = "Langogne 2027 printemps"
    assert client.post(f"/cohorts/{cohort_id}/edit", data=edit).status_code == 302
    assert [e.action for e in audit_events(app, "cohort")] == ["create", "update"]


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"n{n}@example.net,N{n},M{n},female,1990-05-0{n % 9 + 1},,,,,,,,\n" for n in range(start, count))


def test_the_web_refuses_a_file_over_its_limits_before_reading_it(
    app: Flask, client, auth: AuthActions, world, monkeypatch
) -> None:
    from bootcamp.importing import reading

    auth.login("manager@example.org")
    url = f"/cohorts/{world.cohort_id}/import"
    assert "Jusqu'à 10\u202f000 lignes et 2 Mo" in client.get(url).text
    monkeypatch.setattr(reading, "WEB_MAX_ROWS", 3)
    limit = len(HEADER + _rows(4))
    monkeypatch.setattr(reading, "WEB_MAX_BYTES", limit)
    padded = HEADER + _rows(3) + " " * limit
    for content, message in [
        (HEADER + _rows(4), "le fichier a 4 lignes, la limite du site est 3 : importez-le en ligne de commande"),
        (padded, f"le fichier fait {len(padded)} octets, la limite du site est {limit}"),
    ]:
        form = page_form(client, url)
        form["file"] = (io.BytesIO(content.encode()), "learners.csv")
        refused = client.post(url, data=form, content_type="multipart/form-data")
        assert message in refused.text and "Confirmer l" not in refused.text
    form = page_form(client, url)
    form["file"] = (io.BytesIO((HEADER + _rows(3)).encode()), "learners.csv")
    assert "3 créations" in client.post(url, data=form, content_type="multipart/form-data").text
    assert _count(app, Learner) == 2


def test_the_first_problems_are_listed_and_the_others_counted(
    app: Flask, client, auth: AuthActions, world, tmp_path, monkeypatch
) -> None:
    from bootcamp.importing import reading

    monkeypatch.setattr(reading, "MAX_PROBLEMS", 3)
    text = HEADER + _rows(5).replace(",female,", ",martian,")
    result = _import(app, tmp_path, text)
    assert result.exit_code == 1 and "line 4, column gender" in result.output
    assert "line 5, column gender" not in result.output and "... and 2 more problems" in result.output
    assert "file refused, nothing imported: 5 problems" in result.output
    auth.login("manager@example.org")
    url = f"/cohorts/{world.cohort_id}/import"
    form = page_form(client, url)
    form["file"] = (io.BytesIO(text.encode()), "learners.csv")
    page = client.post(url, data=form, content_type="multipart/form-data").text
    assert "Le fichier est refusé : 5 problèmes" in page and "… et 2 autres." in page


@pytest.mark.parametrize("kind", ["learners", "outcomes"])
def test_an_import_runs_as_many_statements_for_50_rows_as_for_5(
    app: Flask, world, tmp_path, count_queries, kind: str
) -> None:
    """No statement per row: rows are written in bulk (10,000 took 24 s one by one, 3 s now)."""
    counts = []
    for first, count in ((0, 5), (5, 55)):
        learners = HEADER + "".join(
            f"n{n}@example.net,N{n},M{n},female,1990-05-01,,,,,finished,2027-07-05,,\n" for n in range(first, count)
        )
        outcomes = "email,point,situation,employer\n" + "".join(
            f"n{n}@example.net,0,cdi,Employeur {n}\n" for n in range(first, count)
        )
        if kind == "outcomes":
            assert _import(app, tmp_path, learners).exit_code == 0
        with count_queries() as counter:
            result = _import(app, tmp_path, learners if kind == "learners" else outcomes, kind=kind)
        assert result.exit_code == 0 and f"{count - first} created" in result.output, result.output
        counts.append(counter.count)
    assert counts[0] == counts[1]
    events = audit_events(app, "learner" if kind == "learners" else "outcome")
    assert len(events) == 55 and events[-1].after["first_name" if kind == "learners" else "employer"] in (
        "N54",
        "Employeur 54",
    )


CERTIFIED = HEADER + (
    "anne@example.net,Anne,Aubrac,female,1999-03-12,48000,bac,,,finished,2027-07-02,,partial\n"
    "bruno@example.net,Bruno,Bex,male,1980-01-02,48100,bac,,,finished,2027-07-02,,obtenu\n"
    "chloe@example.net,Chloé,Cévennes,female,2001-06-01,48000,bac,,,dropped,2027-03-01,job,absent\n"
)


def _certifications(app: Flask) -> dict[str, tuple]:
    """Each learner's certification, and the day and results of their exam sessions."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Learner.first_name, Enrolment.certification, ExamSession.start_date, ExamResult.result)
            .join(Enrolment, Enrolment.learner_id == Learner.id)
            .join(ExamCandidate, ExamCandidate.enrolment_id == Enrolment.id)
            .join(ExamSession, ExamSession.id == ExamCandidate.session_id)
            .join(ExamResult, ExamResult.candidate_id == ExamCandidate.id)
            .where(Learner.email.in_(["anne@example.net", "bruno@example.net", "chloe@example.net"]))
            .order_by(Learner.first_name, ExamResult.block_id)
        )
        found: dict[str, tuple] = {}
        for name, certification, day, result in rows:
            found[name] = (certification.value, day, (*found.get(name, (None, None, ()))[2], result.value))
        return found


def test_the_certification_column_is_recorded_as_exam_results_and_again_changes_nothing(
    app: Flask, world, tmp_path
) -> None:
    """A leaver's overall result becomes per-block results at a whole-title session on their exit date, which
    derive back to it; the same file again writes nothing."""
    result = _import(app, tmp_path, CERTIFIED)
    assert result.exit_code == 0 and "3 created" in result.output, result.output
    found = _certifications(app)
    blocks = len(found["Anne"][2])
    assert blocks >= 2 and found == {
        "Anne": ("partial", date(2027, 7, 2), ("acquired", *["not_acquired"] * (blocks - 1))),
        "Bruno": ("obtained", date(2027, 7, 2), ("acquired",) * blocks),
        "Chloé": ("absent", date(2027, 3, 1), ("absent",) * blocks),
    }
    assert _count(app, ExamSession) == 3  # the world's, and one a day
    created = [e.after["certification"] for e in audit_events(app, "enrolment")]
    assert sorted(created) == ["absent", "obtained", "partial"]
    events, results = len(audit_events(app)), _count(app, ExamResult)
    again = _import(app, tmp_path, CERTIFIED)
    assert "0 created, 0 updated, 3 unchanged" in again.output
    assert (len(audit_events(app)), _count(app, ExamResult), _certifications(app)) == (events, results, found)
    changed = _import(app, tmp_path, CERTIFIED.replace(",2027-07-02,,partial", ",2027-07-02,,obtained"))
    assert "0 created, 1 updated, 2 unchanged" in changed.output
    assert _certifications(app)["Anne"] == ("obtained", date(2027, 7, 2), ("acquired",) * blocks)
    [event] = audit_events(app, "enrolment")[3:]
    assert (event.action, event.before["certification"], event.after["certification"]) == (
        "import",
        "partial",
        "obtained",
    )
    assert _count(app, ExamResult) == results


def test_a_certification_for_someone_in_training_is_refused(app: Flask, world, tmp_path) -> None:
    before = _count(app, ExamResult), len(audit_events(app))
    for status in ("in_training", ""):
        text = HEADER + f"anne@example.net,Anne,Aubrac,female,1999-03-12,48000,bac,,,{status},,,obtained\n"
        result = _import(app, tmp_path, text)
        assert result.exit_code == 1 and "line 2, column certification" in result.output
    assert (_count(app, ExamResult), len(audit_events(app))) == before


def test_certifications_are_recorded_in_as_many_statements_for_50_rows_as_for_5(
    app: Flask, world, tmp_path, count_queries
) -> None:
    counts = []
    for first, count, day in ((0, 5, 5), (5, 55, 6)):
        learners = HEADER + "".join(
            f"n{n}@example.net,N{n},M{n},female,1990-05-01,,,,,finished,2027-07-0{day},,{CODES[n % 2]}\n"
            for n in range(first, count)
        )
        with count_queries() as counter:
            result = _import(app, tmp_path, learners)
        assert result.exit_code == 0 and f"{count - first} created" in result.output, result.output
        counts.append(counter.count)
    assert counts[0] == counts[1]
    with app.app_context():
        imported = db.session.scalars(sa.select(Enrolment).join(Learner).where(Learner.email.like("n%@example.net")))
        stored = {enrolment.id: enrolment.certification for enrolment in imported}
        assert len(stored) == 55 and stored == results.statuses(stored)
        assert sorted(stored.values()).count(Certification.PARTIAL) == 27


CODES = ("obtained", "partial")


def test_a_write_between_planning_and_writing_makes_the_cli_plan_again(
    app: Flask, world, tmp_path, monkeypatch
) -> None:
    """Someone adds a learner of the file while the command checks it: the plan is made again, with no lock held
    meanwhile, and the learner is updated instead of inserted twice."""
    from bootcamp.importing import writing

    writes = []

    def someone_writes() -> None:
        if writes:
            return
        with app.app_context(), db.engine.begin() as connection:  # another connection: another process
            connection.execute(
                sa.insert(Learner).values(email="anne@example.net", first_name="Anne", last_name="A", gender="female")
            )
            connection.execute(sa.text("UPDATE data_version SET value = value + 1"))
        writes.append(1)

    monkeypatch.setattr(writing, "between_plan_and_write", someone_writes)
    result = _import(app, tmp_path, GOOD)
    assert result.exit_code == 0 and "1 created, 1 updated, 0 unchanged" in result.output, result.output
    with app.app_context():
        anne = db.session.scalars(sa.select(Learner).where(Learner.email == "anne@example.net")).one()
        assert anne.last_name == "Aubrac" and [e.cohort.name for e in anne.enrolments] == ["Mende 2026 automne"]


def test_the_cli_gives_up_in_one_line_when_the_data_keeps_changing(app: Flask, world, tmp_path, monkeypatch) -> None:
    from bootcamp.importing import writing

    def someone_writes() -> None:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE data_version SET value = value + 1"))

    monkeypatch.setattr(writing, "between_plan_and_write", someone_writes)
    result = _import(app, tmp_path, GOOD)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        "Error: the data kept changing while the file was checked (3 attempts): nothing imported"
    )
    assert _count(app, Learner) == 2
