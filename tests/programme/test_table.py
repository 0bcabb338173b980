"""The timeline table: days, gaps, markers, and 80 columns."""

from __future__ import annotations

from timekeeper.programme.table import render_timeline

from .helpers import load

MULTI_DAY = """\
event: {title: Summer school, date: 2024-07-01, timezone: Europe/Amsterdam}
slots:
  - {title: Welcome, start: "09:00", duration: 30m, scene: Stage}
  - title: A very long title that goes on and on about the many things this session covers
    duration: 1h
    scene: A scene with a name far too long for its column
    hard: true
    advance: manual
  - {title: Night hike, start: "23:30", end: "2024-07-02T01:00", scene: Outside}
  - {title: Day two, start: "2024-07-02T09:00", duration: 2h, scene: Stage}
"""


def test_multi_day_table() -> None:
    programme, _ = load(MULTI_DAY)
    text = render_timeline(programme)
    lines = text.splitlines()
    assert "Monday 1 July 2024 to Tuesday 2 July 2024" in lines
    assert any(line.startswith("── Monday 1 July 2024 ") for line in lines)
    assert any(line.startswith("── Tuesday 2 July 2024 ") for line in lines)
    assert any(line.startswith("23:30  01:00+1d  1h30m  Night hike") for line in lines)
    assert any(line.startswith("10:30  23:30    13h00m  (gap)") for line in lines)
    assert any("HARD MANUAL" in line for line in lines)
    assert "A scene with …" in text
    assert "Total: 1d2h00m, 09:00 to 11:00 (+1d); 4 slots, 1 hard, 1 manual" in text
    assert max(len(line) for line in lines) <= 80


def test_single_day_has_no_day_lines() -> None:
    text = MULTI_DAY.split("  - {title: Night hike")[0]
    programme, _ = load(text)
    assert "──" not in render_timeline(programme)
