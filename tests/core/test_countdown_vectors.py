"""The countdown rule, checked against the shared table `tests/vectors/countdown.json`.

The same table is read by the speaker page's test in headless Chromium, so the
browser's copy of the rule and the core's cannot drift apart. Its format (plain
JSON, no comments):

    {"about": "...",
     "cases": [{"remaining": 299.5, "warning": 300, "danger": 60,
                "text": "05:00", "phase": "warning", "why": "time left rounds up"}, ...]}

- `remaining`: seconds left until the limit, negative in overtime, at most three
  decimals (the browser counts milliseconds);
- `warning`, `danger`: the countdown's thresholds in seconds;
- `text`: the digits a person reads; `phase`: normal | warning | danger | overtime;
- `why`: what the case is for (shown when it fails).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from timekeeper.core.countdown import Phase, countdown_text, phase_at
from timekeeper.core.status import Countdown

VECTORS = Path(__file__).parent.parent / "vectors" / "countdown.json"


def load_cases() -> list[dict[str, Any]]:
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    return cases


CASES = load_cases()


def seconds(value: float) -> timedelta:
    return timedelta(milliseconds=round(value * 1000))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['remaining']}s-{c['why']}" for c in CASES])
def test_text_and_phase_follow_the_table(case: dict[str, Any]) -> None:
    remaining = seconds(case["remaining"])
    assert countdown_text(remaining) == case["text"], case["why"]
    phase = phase_at(remaining, seconds(case["warning"]), seconds(case["danger"]))
    assert phase is Phase(case["phase"]), case["why"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['remaining']}s-{c['why']}" for c in CASES])
def test_a_countdown_of_timestamps_reads_the_same(case: dict[str, Any]) -> None:
    """What the Status carries (instants, recomputed on any clock) gives the same phase."""
    deadline = datetime(2023, 11, 20, 16, 0, tzinfo=UTC)
    now = deadline - seconds(case["remaining"])
    cd = Countdown(
        start=deadline - timedelta(hours=30),
        deadline=deadline,
        warning_at=deadline - seconds(case["warning"]),
        danger_at=deadline - seconds(case["danger"]),
        now=now,
    )
    assert countdown_text(cd.remaining) == case["text"], case["why"]
    assert cd.phase.value == case["phase"], case["why"]


def test_the_table_covers_every_phase_and_both_signs() -> None:
    assert {c["phase"] for c in CASES} == {p.value for p in Phase}
    assert any(c["remaining"] < 0 and c["remaining"] > -1 for c in CASES)  # "+00:00"
    assert any(c["remaining"] % 1 for c in CASES if c["remaining"] > 0)  # fractions round up
    assert all(set(c) == {"remaining", "warning", "danger", "text", "phase", "why"} for c in CASES)
