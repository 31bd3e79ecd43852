"""The query-string helpers every view reads its parameters with: typed values, or a 400 with the reason."""

from datetime import date

import pytest
from flask import Flask
from werkzeug.exceptions import BadRequest

from bootcamp import params


def _read(app: Flask, query: str, read):
    with app.test_request_context(f"/?{query}"):
        return read()


@pytest.mark.parametrize(
    "query,read,expected",
    [
        ("", params.page, 1),
        ("page=3", params.page, 3),
        ("site=12", lambda: params.integer("site"), 12),
        ("site=", lambda: params.integer("site"), None),
        ("sort=progress", lambda: params.choice("sort", ["name", "progress"], "name"), "progress"),
        ("sort=planet", lambda: params.choice("sort", ["name", "progress"], "name"), "name"),  # a stale link
        ("as_of=25/12/2026", lambda: params.day("as_of"), date(2026, 12, 25)),
        ("as_of=2026-12-25", lambda: params.day("as_of"), date(2026, 12, 25)),
        ("q=+Luc+", lambda: params.text("q"), "Luc"),
        ("page=2&kind=grade&kind=note", lambda: params.kept("page"), {"kind": ["grade", "note"]}),
    ],
)
def test_good_values_are_read(sqlite_app: Flask, query: str, read, expected) -> None:
    assert _read(sqlite_app, query, read) == expected


@pytest.mark.parametrize(
    "query,read",
    [
        ("page=99999999999999999999", params.page),
        ("page=0", params.page),
        ("page=--1", params.page),
        ("page=²", params.page),
        ("page=٣", params.page),
        ("site=-1", lambda: params.integer("site")),
        ("site=2147483648", lambda: params.integer("site")),
        ("by=planet", lambda: params.choice("by", ["gender", "site"])),
        ("by=", lambda: params.choice("by", ["gender", "site"])),
        ("as_of=9999-12-31", lambda: params.day("as_of")),
        ("as_of=0001-01-01", lambda: params.day("as_of")),
        ("as_of=2026-02-30", lambda: params.day("as_of")),
        ("q=" + "x" * 201, lambda: params.text("q")),
    ],
)
def test_bad_values_answer_400_with_the_reason(sqlite_app: Flask, query: str, read) -> None:
    with pytest.raises(BadRequest) as refused:
        _read(sqlite_app, query, read)
    assert "Paramètre « " in refused.value.description and query.split("=")[0] in refused.value.description
