"""A seeded conference programme for the chaos harness: what a real show day holds.

Every day has 40+ slots: talks, panels with speaker turns (some moved on by hand,
some by the clock), manual Q&A slots, changeovers on the holding scene, a lunch
that stops and restarts the stream, a hard start that cuts the slot before it
(the harness extends an earlier slot through the control API, so the show runs
late into it), and stream and recording actions. No two consecutive slots share a
scene, so every slot boundary is a scene switch OBS must confirm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

PASSWORD_ENV = "TK_CHAOS_OBS_PASSWORD"
SCENES = ("Holding", "Intro", "Keynote", "Panel", "Q&A", "Reception", "Closing", "Talk")
FIRST_SCENE = "Holding"  # where OBS starts; the first slot switches away from it
EVENT_DATE = datetime(2031, 6, 2, tzinfo=UTC)
DAY_START = timedelta(hours=9)
SPEAKERS = ("Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu")


@dataclass(frozen=True)
class Extension:
    """The operator's one extension (control API `extend`) that makes the hard start cut."""

    slot: str
    minutes: int
    send_at: datetime  # a show instant inside `slot`, well before its end
    slot_end: datetime  # planned end of `slot` (the request must arrive before)


@dataclass(frozen=True)
class Generated:
    path: Path
    start: datetime  # planned start of the first slot (UTC)
    end: datetime  # planned end of the last slot
    slots: int
    extensions: tuple[Extension, ...]
    doc: dict[str, Any]

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _minutes(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def _day(
    rng: random.Random, day: int, start: datetime, slots_per_day: int
) -> tuple[list[dict[str, Any]], Extension, datetime]:
    """One day's slots from `start`; (entries, the extension that makes its hard start cut, end)."""
    entries: list[dict[str, Any]] = []
    at = start
    previous_scene = FIRST_SCENE
    hard_index = slots_per_day - 6  # the reception, late in the afternoon
    lunch_index = slots_per_day // 2
    extension: Extension | None = None

    def add(entry: dict[str, Any], minutes: int) -> None:
        nonlocal at, previous_scene
        sid = f"d{day}s{len(entries) + 1:02d}"
        entry = {"id": sid, **entry, "duration": f"{minutes}m"}
        if not entries:
            entry["start"] = at.strftime("%Y-%m-%dT%H:%M:%S")
        entries.append(entry)
        previous_scene = str(entry["scene"])
        at += timedelta(minutes=minutes)

    def scene(wanted: str) -> str:
        if wanted != previous_scene:
            return wanted
        return "Talk" if wanted != "Talk" else "Keynote"

    while len(entries) < slots_per_day:
        i = len(entries)
        if i == 0:
            on_start = ["start_streaming", "start_recording"]
            add({"title": f"Day {day} opening", "scene": "Intro", "on_start": on_start}, 10)
        elif i == slots_per_day - 1:
            on_end = ["stop_streaming", "stop_recording"]
            add({"title": f"Day {day} closing", "scene": scene("Closing"), "on_end": on_end}, 10)
        elif i == lunch_index:
            add({"title": "Lunch", "scene": scene("Holding"), "on_start": ["stop_streaming"]}, 45)
        elif i == lunch_index + 1:
            add(
                {"title": "Afternoon welcome", "scene": scene("Intro"),
                 "on_start": ["start_streaming"]},
                5,
            )  # fmt: skip
        elif i == hard_index - 2:
            minutes = _minutes(rng, 10, 20)
            sid = f"d{day}s{len(entries) + 1:02d}"
            extension = Extension(
                slot=sid,
                minutes=rng.randint(3, 5),  # the 10-minute slot before the hard start keeps 5-7
                send_at=at + timedelta(minutes=minutes * 0.3),
                slot_end=at + timedelta(minutes=minutes),
            )
            add({"title": f"Talk {day}.{i} (runs late)", "scene": scene("Talk")}, minutes)
        elif i == hard_index - 1:
            add({"title": "Short talk before the reception", "scene": scene("Keynote")}, 10)
        elif i == hard_index:
            entry = {
                "title": f"Day {day} reception", "scene": scene("Reception"), "hard": True,
                "start": at.strftime("%Y-%m-%dT%H:%M:%S"),
            }  # fmt: skip
            add(entry, 20)
        elif i % 7 == 3:
            names = rng.sample(SPEAKERS, rng.randint(3, 5))
            turns = [{"speaker": n, "duration": f"{rng.randint(3, 6)}m"} for n in names]
            total = sum(int(t["duration"][:-1]) for t in turns) + rng.randint(2, 6)
            add(
                {"title": f"Panel {day}.{i}", "scene": scene("Panel"), "speakers": names,
                 "turns": turns, "turns_advance": rng.choice(["manual", "auto"])},
                total,
            )  # fmt: skip
        elif i % 7 == 4:
            add({"title": f"Q&A {day}.{i}", "scene": scene("Q&A"), "advance": "manual"},
                _minutes(rng, 4, 10))  # fmt: skip
        elif i % 7 == 6:
            add({"title": f"Changeover {day}.{i}", "scene": scene("Holding")}, _minutes(rng, 3, 5))
        else:
            speaker = rng.choice(SPEAKERS)
            kind = rng.choice(["Talk", "Keynote"])
            add(
                {"title": f"{kind} {day}.{i}", "scene": scene(kind), "speakers": [speaker]},
                _minutes(rng, 6, 20),
            )
    assert extension is not None
    return entries, extension, at


def write_programme(
    path: Path, obs_url: str, *, seed: int, days: int = 1, slots_per_day: int = 42
) -> Generated:
    """Write the programme for `seed` to `path` (the same seed, the same bytes)."""
    if slots_per_day < 20:
        raise ValueError("a conference day has at least 20 slots here")
    rng = random.Random(seed)
    start = EVENT_DATE + DAY_START
    slots: list[dict[str, Any]] = []
    extensions = []
    at = start
    for day in range(1, days + 1):
        if day > 1:  # the next morning, compressed: an hour after the last day's close
            at += timedelta(hours=1)
        entries, extension, at = _day(rng, day, at, slots_per_day)
        slots += entries
        extensions.append(extension)
    doc: dict[str, Any] = {
        "event": {
            "title": f"Chaos conference {seed}",
            "date": EVENT_DATE.date().isoformat(),
            "timezone": "UTC",
        },
        "obs": {"url": obs_url, "password_env": PASSWORD_ENV, "transition": "Cut"},
        "defaults": {"warning": "2m", "danger": "30s", "turn_warning": "1m", "turn_danger": "20s"},
        "slots": slots,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return Generated(path, start, at, len(slots), tuple(extensions), doc)


def invalid_text(valid: str) -> str:
    """The operator's typo: `duration` misspelt in the first slot that has one after the first."""
    marker = "  duration: "
    first = valid.index(marker)
    second = valid.index(marker, first + 1)
    return valid[:second] + "  durration: " + valid[second + len(marker) :]


def edited_text(doc: dict[str, Any], live_after: datetime) -> tuple[str, str] | None:
    """A valid edit: retitle a slot planned to start after `live_after`; (new text, slot id)."""
    at = EVENT_DATE + DAY_START
    for slot in doc["slots"]:
        if "start" in slot:
            at = datetime.fromisoformat(slot["start"]).replace(tzinfo=UTC)
        if at > live_after + timedelta(minutes=30) and not slot.get("hard"):
            changed = {**doc, "slots": [dict(s) for s in doc["slots"]]}
            for s in changed["slots"]:
                if s["id"] == slot["id"]:
                    s["title"] = f"{s['title']} (retitled)"
            return yaml.safe_dump(changed, sort_keys=False, allow_unicode=True), str(slot["id"])
        at += timedelta(minutes=int(str(slot["duration"])[:-1]))
    return None
