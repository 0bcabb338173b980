"""Programme files for the end-to-end tests: short slots on today's real clock.

The event is in UTC on the date of its first slot, which starts a couple of
seconds from now at a whole second (written as a full ISO datetime, so a run
just before midnight UTC still reads correctly). Every slot names its own
scene; OBS is reached at the test's URL with the password in an environment
variable the programme names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from timekeeper.core.clock import SystemClock

PASSWORD_ENV = "TK_TEST_OBS_PASSWORD"


@dataclass(frozen=True)
class TurnSpec:
    speaker: str
    seconds: float


@dataclass(frozen=True)
class SlotSpec:
    title: str
    seconds: float
    scene: str | None
    on_start: Sequence[str] = ()
    on_end: Sequence[str] = ()
    turns: Sequence[TurnSpec] = ()
    turns_advance: str | None = None  # auto | manual (None: the default, manual)
    advance: str | None = None  # auto | manual (None: the default, auto)
    hard: bool = False


@dataclass(frozen=True)
class Planned:
    """A slot's id and planned instants (UTC), as `timekeeper check` would print them."""

    id: str
    start: datetime
    end: datetime
    scene: str | None
    turn_starts: tuple[datetime, ...] = field(default=())


@dataclass(frozen=True)
class ProgrammeFile:
    path: Path
    start: datetime
    slots: tuple[Planned, ...]

    @property
    def end(self) -> datetime:
        return self.slots[-1].end

    def seconds_until(self, instant: datetime) -> float:
        return (instant - SystemClock().now()).total_seconds()


def first_start(lead: float) -> datetime:
    """The next whole second at least `lead` seconds from now (UTC)."""
    now = SystemClock().now().astimezone(UTC)
    ts = math.ceil(now.timestamp() + lead)
    return datetime.fromtimestamp(ts, tz=UTC)


def duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms" if seconds != int(seconds) else f"{int(seconds)}s"


def write_programme(
    path: Path,
    url: str,
    slots: Sequence[SlotSpec],
    *,
    lead: float = 2.5,
    title: str = "E2E show",
    password_env: str | None = PASSWORD_ENV,
) -> ProgrammeFile:
    """Write the YAML and return its planned timeline (slots follow each other, no gaps)."""
    start = first_start(lead)
    obs: dict[str, Any] = {"url": url}
    if password_env is not None:
        obs["password_env"] = password_env
    doc: dict[str, Any] = {
        "event": {"title": title, "date": start.date().isoformat(), "timezone": "UTC"},
        "obs": obs,
        "slots": [],
    }
    planned = []
    at = start
    for i, spec in enumerate(slots):
        slot_id = f"s{i + 1}"
        entry: dict[str, Any] = {
            "id": slot_id,
            "title": spec.title,
            "duration": duration(spec.seconds),
        }
        if i == 0:
            entry["start"] = start.strftime("%Y-%m-%dT%H:%M:%S")
        if spec.scene is not None:
            entry["scene"] = spec.scene
        if spec.on_start:
            entry["on_start"] = list(spec.on_start)
        if spec.on_end:
            entry["on_end"] = list(spec.on_end)
        turn_starts = []
        if spec.turns:
            entry["speakers"] = [t.speaker for t in spec.turns]
            entry["turns"] = [
                {"speaker": t.speaker, "duration": duration(t.seconds)} for t in spec.turns
            ]
            t_at = at
            for t in spec.turns:
                turn_starts.append(t_at)
                t_at += timedelta(seconds=t.seconds)
        if spec.turns_advance is not None:
            entry["turns_advance"] = spec.turns_advance
        if spec.advance is not None:
            entry["advance"] = spec.advance
        if spec.hard:
            entry["hard"] = True
        doc["slots"].append(entry)
        end = at + timedelta(seconds=spec.seconds)
        planned.append(Planned(slot_id, at, end, spec.scene, tuple(turn_starts)))
        at = end
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ProgrammeFile(path, start, tuple(planned))
