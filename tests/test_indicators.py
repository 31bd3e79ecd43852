"""The indicators from counts: rates, shares, and what the small-group rule hides; no app, no database."""

import ast
import random
from pathlib import Path

import pytest

from bootcamp import indicators
from bootcamp.indicators import (
    GEN_TARGETS,
    GROUPINGS,
    OVERLAPPING,
    RATES,
    SMALL_GROUP,
    Counts,
    SituationMix,
    charted,
    funnel,
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
        [Counts("all", entrants=30, known=20, employed=10), Counts("a", entrants=3), Counts("b", entrants=9, known=4)],
        "public",  # publics overlap: no secondary suppression
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
        "gender": table([everyone, Counts("female", entrants=12), Counts("male", entrants=28)], "gender"),
        "diploma": table(
            [everyone, Counts("below_bac", entrants=10), Counts("bac", entrants=20), Counts("bac_2", 10)], "diploma"
        ),
        "public": table([everyone, Counts("qpv", entrants=8), Counts("rqth", entrants=2)], "public"),
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


def _entrants(rows: list) -> list[int | str]:
    return [("*" if item.secondary else "<5") if item.hidden else item.counts.entrants for item in rows]


def test_one_hidden_group_hides_the_next_smallest_too() -> None:
    """Gender « autre » under 5 among 540 (131 women, 395 men, 12 undeclared): 540 - 131 - 395 - 12 = 2, so the
    undeclared are hidden too (`*`), with all their rates; `all` stays."""
    genders = [("female", 131), ("male", 395), ("other", 2), ("undeclared", 12)]
    everyone = Counts("all", entrants=540, known=300, employed=150)
    rows = table([everyone, *(Counts(group, entrants=size) for group, size in genders)], "gender")
    assert [item.group for item in rows] == ["all", "female", "male", "other", "undeclared"]
    assert _entrants(rows) == [540, 131, 395, "<5", "*"]
    undeclared = rows[-1]
    assert undeclared.hidden and undeclared.secondary and set(undeclared.rates.values()) == {None}
    assert not rows[3].secondary and rows[0].rates["employment_rate"] == 50.0
    assert [item.group for item in charted(rows)] == ["all"]  # the charts leave both out (no rates for the others)


@pytest.mark.parametrize(
    "by,sizes,shown",
    [
        ("public", [40, 3, 20], [40, "<5", 20]),  # overlapping flags: no subtraction gives a group
        ("diploma", [3, 2, 20, 30], ["<5", "<5", 20, 30]),  # two hidden: only their sum can be worked out
        ("site", [9, 3, 9], ["*", "<5", 9]),  # a tie: the first in table order
        ("year", [3], ["<5"]),  # no other group to hide
        ("cohort", [6, 7], [6, 7]),  # nothing hidden
    ],
)
def test_secondary_suppression_only_where_a_subtraction_would_tell(by: str, sizes: list, shown: list) -> None:
    everyone = Counts("all", entrants=max(sum(sizes), 5))
    rows = table([everyone, *(Counts(f"g{index}", entrants=size) for index, size in enumerate(sizes))], by)
    assert _entrants(rows)[1:] == shown and not rows[0].hidden


def test_no_hidden_group_can_be_worked_out_from_the_others() -> None:
    """Whatever the sizes, in every breakdown that splits everyone: the hidden groups are none, or two or more."""
    draw = random.Random(14)
    for _attempt in range(500):
        sizes = [draw.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 40]) for _group in range(draw.randint(1, 6))]
        for by in set(GROUPINGS) - OVERLAPPING:
            groups = [Counts(f"g{index}", entrants=size) for index, size in enumerate(sizes) if size]
            rows = table([Counts("all", entrants=sum(sizes)), *groups], by)
            hidden = [item for item in rows[1:] if item.hidden]
            assert len(hidden) != 1 or rows[0].hidden, sizes
    with pytest.raises(ValueError):
        table([Counts("all", entrants=9)], "planet")


def test_a_share_that_would_reveal_a_hidden_group_is_not_shown() -> None:
    everyone = Counts("all", entrants=60)
    nobody = {"public": table([everyone], "public")}
    gender = table([everyone, Counts("female", 7), Counts("male", 51), Counts("other", 2)], "gender")
    diploma = table([everyone, Counts("below_bac", 3), Counts("bac", 20), Counts("bac_2", 37)], "diploma")
    assert _entrants(gender)[1:] == ["*", 51, "<5"] and _entrants(diploma)[1:] == ["<5", "*", 37]
    result = {item.code: item for item in shares(everyone, {"gender": gender, "diploma": diploma, **nobody}, PUBLICS)}
    assert result["women"].share is None  # 7 women would give « autre »: 60 - 51 - 7
    assert result["low_qualification"].share == 100 * 23 / 60  # both hidden groups: only their sum, as 60 - 37
    diploma = table(
        [everyone, Counts("below_bac", 3), Counts("bac", 20), Counts("bac_2", 30), Counts("bac_3_plus", 7)], "diploma"
    )
    result = {item.code: item for item in shares(everyone, {"gender": gender, "diploma": diploma, **nobody}, PUBLICS)}
    assert _entrants(diploma)[1:] == ["<5", 20, 30, "*"]
    assert result["low_qualification"].share is None  # 23 - 20 would give the 3 below the bac


def test_the_path_follows_the_small_group_rule() -> None:
    assert funnel(row(Counts("all", entrants=4, finished=3, certified=2, employed=1))) == []
    assert funnel(row(Counts("all", entrants=12, finished=9, certified=6, employed=4))) == [12, 9, 6, 4]
