"""The one rule for showing time: instants truncated, deltas floored, one delta text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import at
from timekeeper.core.seconds import between, delta_text, left, shown


def test_a_start_at_15_31_00_4_against_15_30_reads_plus_1_00() -> None:
    started = at("15:31:00") + timedelta(milliseconds=400)
    assert shown(started) == at("15:31:00")
    assert between(started, at("15:30")) == 60
    assert delta_text(started - at("15:30")) == "+1:00"


@pytest.mark.parametrize(
    ("seconds", "text", "length"),
    [
        (0.0, "0:00", "0:00"),
        (0.4, "0:00", "0:00"),
        (-0.4, "-0:01", "-0:01"),  # floored: towards the past
        (59.9, "+0:59", "0:59"),
        (-65.0, "-1:05", "-1:05"),
        (3600.0, "+1:00:00", "1:00:00"),
        (-3725.5, "-1:02:06", "-1:02:06"),
    ],
)
def test_delta_text_floors_and_signs(seconds: float, text: str, length: str) -> None:
    delta = timedelta(seconds=seconds)
    assert delta_text(delta) == text
    assert delta_text(delta, plus="") == length
    assert delta_text(delta, minus="\u2212") == text.replace("-", "\u2212")


def test_a_countdown_rounds_up_and_meets_overtime_at_zero() -> None:
    assert left(timedelta(seconds=0.2)) == 1
    assert left(timedelta(0)) == 0
    assert left(timedelta(seconds=-0.4)) == 0
    assert left(timedelta(seconds=-1.2)) == -1
