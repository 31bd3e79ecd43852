"""The clock of the date rules: today and now in France."""

from datetime import date, datetime

from bootcamp import dates


def test_today_is_the_day_in_france_not_the_server_s(monkeypatch) -> None:
    """Half-days are planned in French time (dates.now): today is its date, so that from midnight to 1 or 2 a.m. in
    France a server in UTC does not refuse the roll call of a half-day running now as « not yet come »."""
    monkeypatch.setattr(dates, "now", lambda: datetime(2031, 3, 4, 0, 30))
    assert dates.today() == date(2031, 3, 4)
