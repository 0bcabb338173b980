"""Build programmes in code for tests of the pure core (no YAML involved)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from timekeeper.core.programme import Advance, Event, Programme, Slot, Speaker, Turn

AMS = ZoneInfo("Europe/Amsterdam")


def at(hhmm: str, day: date = date(2023, 11, 20), tz: ZoneInfo = AMS) -> datetime:
    """An instant given as local HH:MM[:SS] on the event date."""
    parts = [int(p) for p in hhmm.split(":")]
    while len(parts) < 3:
        parts.append(0)
    hour, minute, second = parts[:3]
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)


def mins(m: float) -> timedelta:
    return timedelta(minutes=m)


def slot(sid: str, start: str | None, minutes: float, **kw: object) -> dict[str, object]:
    return {"id": sid, "start": start, "minutes": minutes, **kw}


def programme(
    specs: list[dict[str, object]],
    *,
    day: date = date(2023, 11, 20),
    tz: str = "Europe/Amsterdam",
    start: Advance = Advance.AUTO,
    title: str = "Test event",
) -> Programme:
    """Slots from compact specs; a spec without a start follows the previous slot."""
    zone = ZoneInfo(tz)
    slots: list[Slot] = []
    cursor: datetime | None = None
    for spec in specs:
        s = spec.get("start")
        begin = at(str(s), day, zone) if s is not None else cursor
        assert begin is not None
        duration = mins(float(spec["minutes"]))  # type: ignore[arg-type]
        turns = tuple(Turn(name, mins(m)) for name, m in spec.get("turns", []))  # type: ignore[attr-defined]
        own = {"id", "start", "minutes", "turns", "title"}
        extra = {k: v for k, v in spec.items() if k not in own}
        slots.append(
            Slot(
                id=str(spec["id"]),
                title=str(spec.get("title", str(spec["id"]).capitalize())),
                start=begin.astimezone(ZoneInfo("UTC")),
                duration=duration,
                turns=turns,
                **extra,  # type: ignore[arg-type]
            )
        )
        cursor = begin + duration
    return Programme(
        event=Event(title=title, date=day, timezone=tz, start=start), slots=tuple(slots)
    )


def webinar() -> Programme:
    """The worked example of docs/timing.md (operator starts the show)."""
    return programme(
        [
            slot("welcome", "10:00", 5),
            slot("talk", "10:05", 30),
            slot("break", "10:35", 10),
            slot("workshop", "10:45", 45, hard=True),
            slot("closing", "11:30", 10, advance=Advance.MANUAL),
        ],
        start=Advance.MANUAL,
    )


PANELLISTS = [
    "Beryl ter Haar",
    "Tatiana Llaguno Nieves",
    "Seonok Lee",
    "Wike Been",
    "Femke Cnossen",
    "George Azzopardi",
]


def seed() -> Programme:
    """The seed event's shape, in code (the YAML file is tested in tests/programme)."""
    return programme(
        [
            slot("introduction", "15:30", 5, scene="Intro"),
            slot(
                "keynote", "15:35", 35, scene="Keynote", speakers=(Speaker("Antonio A. Casilli"),)
            ),
            slot(
                "panel",
                "16:10",
                60,
                scene="Panel",
                turns=[("Michele Molè", 3)] + [(p, 6) for p in PANELLISTS],
            ),
            slot("qa", "17:10", 20, scene="Q&A"),
            slot("reception", "17:30", 60, scene="Reception"),
        ]
    )
