"""Durations are real elapsed time, also across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .helpers import load, messages


def _programme(day: str, slots: str) -> str:
    return f"event: {{title: Night, date: {day}, timezone: Europe/Amsterdam}}\nslots:\n{slots}"


def test_spring_forward_end_gives_real_duration() -> None:
    """01:30 to 03:30 on the night the clocks skip 02:00-03:00 lasts one hour."""
    text = _programme("2024-03-31", '  - {title: Night shift, start: "01:30", end: "03:30"}\n')
    slot = load(text)[0].slots[0]
    assert slot.duration == timedelta(hours=1)
    assert slot.start == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)


def test_autumn_back_end_gives_real_duration() -> None:
    """01:30 to 03:30 on the night 02:00-03:00 happens twice lasts three hours."""
    text = _programme("2024-10-27", '  - {title: Night shift, start: "01:30", end: "03:30"}\n')
    assert load(text)[0].slots[0].duration == timedelta(hours=3)


def test_duration_across_the_change_keeps_elapsed_time() -> None:
    text = _programme(
        "2024-03-31",
        '  - {title: Long, start: "01:00", duration: 2h}\n  - {title: Next, duration: 10m}\n',
    )
    programme = load(text)[0]
    assert programme.slots[1].start - programme.slots[0].start == timedelta(hours=2)
    assert programme.local(programme.slots[1].start).strftime("%H:%M") == "04:00"


def test_a_time_the_clocks_skip_is_an_error() -> None:
    text = _programme("2024-03-31", '  - title: Ghost\n    start: "02:30"\n    duration: 10m\n')
    assert any(
        m.startswith("test.yaml:4:12: error: start 02:30 does not exist on 2024-03-31")
        for m in messages(text)
    )


def test_a_time_that_happens_twice_is_a_warning_and_the_first_one() -> None:
    text = _programme("2024-10-27", '  - title: Twice\n    start: "02:30"\n    duration: 10m\n')
    programme, warnings = load(text)
    assert programme.slots[0].start == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert [str(w) for w in warnings] == [
        "test.yaml:4:12: warning: 02:30 happens twice on 2024-10-27 in Europe/Amsterdam "
        "(the clocks go back); read as the first one, UTC+02:00; give an offset to choose"
    ]


def test_offsets_and_multi_day_datetimes() -> None:
    text = _programme(
        "2023-11-20",
        '  - {title: Day one, start: "2023-11-20T09:00", duration: 1h}\n'
        '  - {title: Day two, start: "2023-11-21T09:00+01:00", end: "10:00"}\n'
        '  - {title: Late, start: "2023-11-21T12:00:00Z", duration: 30m}\n',
    )
    programme, warnings = load(text)
    starts = [slot.start for slot in programme.slots]
    assert starts == [
        datetime(2023, 11, 20, 8, 0, tzinfo=UTC),
        datetime(2023, 11, 21, 8, 0, tzinfo=UTC),
        datetime(2023, 11, 21, 12, 0, tzinfo=UTC),
    ]
    assert programme.slots[1].duration == timedelta(hours=1)  # end on the start's date
    assert len(warnings) == 2  # the night and the lunch gap
