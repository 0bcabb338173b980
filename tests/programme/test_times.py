"""Times of day, datetimes, dates and timezones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from timekeeper.programme.times import check_timezone, parse_date, parse_time_spec, resolve


def test_time_of_day_forms() -> None:
    assert parse_time_spec("15:35").clock == time(15, 35)
    assert parse_time_spec("9:05:30").clock == time(9, 5, 30)
    assert parse_time_spec(" 15:35 ").clock == time(15, 35)


def test_datetime_forms() -> None:
    naive = parse_time_spec("2023-11-21T09:00").moment
    assert naive == datetime(2023, 11, 21, 9, 0) and naive.tzinfo is None
    aware = parse_time_spec("2023-11-21T09:00+01:00").moment
    assert aware is not None and aware.utcoffset() is not None
    assert parse_time_spec("2023-11-21 09:00").moment == datetime(2023, 11, 21, 9, 0)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("24:00", "after midnight, write the next day's date"),
        ("12:60", "is not a time of day"),
        ("noon", "cannot read 'noon' as a time"),
        ("2023-11-21", "is a date without a time"),
        (935, "got the number 935"),
        (None, "got nothing"),
        (True, "got true"),
    ],
)
def test_time_rejects_with_a_hint(value: object, hint: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_time_spec(value)
    assert hint in str(caught.value)


def test_resolve_in_the_event_timezone() -> None:
    day = date(2023, 11, 20)
    assert resolve(parse_time_spec("15:30"), "Europe/Amsterdam", day).instant == datetime(
        2023, 11, 20, 14, 30, tzinfo=UTC
    )
    naive = parse_time_spec("2023-07-01T12:00")
    assert resolve(naive, "Europe/Amsterdam", day).instant.hour == 10  # CEST
    aware = parse_time_spec("2023-07-01T12:00Z")
    assert resolve(aware, "Europe/Amsterdam", day).instant.hour == 12


def test_resolve_out_of_range_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="out of the range"):
        resolve(parse_time_spec("0001-01-01T00:00+05:00"), "UTC", date(2023, 1, 1))


def test_dates() -> None:
    assert parse_date("2023-11-20") == date(2023, 11, 20)
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("2023-02-30")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("20 November 2023")


def test_timezones() -> None:
    assert check_timezone("Europe/Amsterdam") == "Europe/Amsterdam"
    assert check_timezone("UTC") == "UTC"
    with pytest.raises(ValueError, match="did you mean 'Europe/Amsterdam'"):
        check_timezone("Europe/Amsterdm")
    with pytest.raises(ValueError, match="did you mean 'Europe/Amsterdam'"):
        check_timezone("europe/amsterdam")
    for bad in ("", "Mars/Olympus_Mons", "../etc/passwd", "Europe"):
        with pytest.raises(ValueError, match="unknown timezone"):
            check_timezone(bad)
