"""The indicators from counts: rates, shares, and what the small-group rule hides; no app, no database."""

import ast
from pathlib import Path

from bootcamp import indicators
from bootcamp.indicators import (
    GEN_TARGETS,
    RATES,
    SMALL_GROUP,
    Counts,
    SituationMix,
    charted,
    rate,
    row,
    shares,
    situation_years,
    table,
)
from bootcamp.models import Diploma, Gender, PublicFlag
from bootcamp.reports.export import COLUMNS, EXPORTED_RATES

PUBLICS = [flag.value for flag in PublicFlag]


def test_the_module_imports_no_database_and_no_flask() -> None:
    tree = ast.parse(Path(indicators.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"collections.abc", "dataclasses", "datetime"}, imported


def test_a_group_under_five_entrants_is_hidden_with_all_its_rates() -> None:
    assert SMALL_GROUP == 5
    few = row(Counts("rqth", entrants=4, finished=4, due=4, known=4, employed=4))
    assert few.hidden and set(few.rates.values()) == {None}
    enough = row(Counts("qpv", entrants=5, finished=5, due=5, known=5, employed=4))
    assert not enough.hidden and enough.rates["employment_rate"] == 80.0 and enough.rates["completion_rate"] == 100.0


def test_a_rate_under_five_people_is_not_shown() -> None:
    assert rate(2, 4) is None and rate(0, 0) is None
    assert rate(1, 5) == 20.0 and rate(2, 3 * 5) == 100.0 * 2 / 15
    everyone = row(Counts("all", entrants=20, dropped=3, finished=16, sat_exam=9, certified=3, due=4, known=3))
    assert everyone.rates["response_rate"] is None and everyone.rates["employment_rate"] is None
    assert everyone.rates["dropout_rate"] == 15.0 and everyone.rates["certification_rate"] == 100.0 * 3 / 9


def test_every_rate_is_a_quotient_of_two_counts_shown_beside_it() -> None:
    counts = Counts("all", 19, 3, 16, 9, 3, 18, 12, 6, 3, 9)
    shown = row(counts)
    assert shown.fraction("employment_rate") == (6, 12) and shown.fraction("response_rate") == (12, 18)
    assert shown.fraction("conservative_employment_rate") == (6, 18) and shown.fraction("certification_rate") == (3, 9)
    assert [round(shown.rates[name], 1) for name in EXPORTED_RATES] == [50.0, 75.0, 25.0, 66.7, 33.3]
    assert set(EXPORTED_RATES) <= set(RATES) and COLUMNS[-len(EXPORTED_RATES):] == EXPORTED_RATES


def test_a_table_keeps_its_order_and_charts_draw_only_what_is_shown() -> None:
    rows = table(
        [Counts("all", entrants=30, known=20, employed=10), Counts("a", entrants=3), Counts("b", entrants=9, known=4)]
    )
    assert [item.group for item in rows] == ["all", "a", "b"] and [item.hidden for item in rows] == [False, True, False]
    assert [item.group for item in charted(rows)] == ["all"]  # a hidden, b's employment rate not shown


def test_gen_targets_are_data_on_the_codes_the_database_stores() -> None:
    assert {target.code: target.share for target in GEN_TARGETS} == {"women": 30.0, "low_qualification": 80.0}
    assert GEN_TARGETS[0].groups == {Gender.FEMALE.value} and GEN_TARGETS[0].by == "gender"
    assert GEN_TARGETS[1].groups == {Diploma.BELOW_BAC.value, Diploma.BAC.value} and GEN_TARGETS[1].by == "diploma"


def test_shares_of_entrants_against_the_targets() -> None:
    everyone = Counts("all", entrants=40)
    tables = {
        "gender": [everyone, Counts("female", entrants=12), Counts("male", entrants=28)],
        "diploma": [everyone, Counts("below_bac", entrants=10), Counts("bac", entrants=20), Counts("bac_2", 10)],
        "public": [everyone, Counts("qpv", entrants=8), Counts("rqth", entrants=2)],
    }
    result = {share.code: share for share in shares(everyone, tables, PUBLICS)}
    assert list(result) == ["women", "low_qualification", *PUBLICS]  # a public nobody belongs to shows 0
    assert (result["women"].count, result["women"].share, result["women"].target) == (12, 30.0, 30.0)
    assert (result["low_qualification"].share, result["low_qualification"].target) == (75.0, 80.0)
    assert result["qpv"].share == 20.0 and result["qpv"].target is None
    assert (result["rqth"].count, result["rqth"].share) == (2, None)  # fewer than 5 people: no share
    assert result["jobseeker"].count == 0 and result["jobseeker"].share is None
    assert shares(Counts("all", entrants=4), tables, PUBLICS) == []  # too few entrants: nothing


def test_situation_years_under_five_due_leavers_are_left_out() -> None:
    mix = [SituationMix(2023, 4, {"cdi": 4, None: 0}), SituationMix(2024, 8, {"cdi": 2, None: 6})]
    shown, hidden = situation_years(mix)
    assert [item.year for item in shown] == [2024] and hidden == [2023]
    assert shown[0].shares == {"cdi": 25.0, None: 75.0}
