"""Durations as written in a running order, and the hints for what is not one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timekeeper.programme.durations import format_clock, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("5min", timedelta(minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1.5h", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
        ("PT5M", timedelta(minutes=5)),
        ("PT1H30M", timedelta(minutes=90)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("pt1.5s", timedelta(seconds=1.5)),
        ("0s", timedelta()),
    ],
)
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (5, "a plain number is not a duration: write 5m for minutes (or 5s, 5h)"),
        (1.5, "write 1.5m"),
        ("5", "'5' has no unit: write 5m"),
        ("1:30", "looks like a clock time; write a duration like 1h30m or 1m30s"),
        ("-5m", "cannot be negative"),
        ("5m5m", "gives 'm' twice"),
        ("five minutes", "cannot read 'five minutes' as a duration; expected something like 90s"),
        ("P1M", "years and months have no fixed length"),
        ("PTX", "cannot read 'PTX' as an ISO 8601 duration"),
        ("", "cannot read '' as a duration"),
        (True, "expected a duration such as"),
        (None, "expected a duration such as"),
        ([1], "expected a duration such as"),
        ("99999999999999999999d", "too long"),
    ],
)
def test_rejects_with_a_hint(value: object, hint: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(value)
    assert hint in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=90), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=2, hours=3), "2d3h"),
        (timedelta(milliseconds=500), "500ms"),
        (timedelta(), "0s"),
        (-timedelta(minutes=5), "-5m"),
    ],
)
def test_format(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=35), "35m"),
        (timedelta(hours=1), "1h00m"),
        (timedelta(hours=2, minutes=5), "2h05m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=2, seconds=30), "2m30s"),
        (timedelta(days=1, hours=2), "1d2h00m"),
    ],
)
def test_format_clock(value: timedelta, text: str) -> None:
    assert format_clock(value) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_format_reads_back(millis: int) -> None:
    value = timedelta(milliseconds=millis)
    assert parse_duration(format_duration(value)) == value
