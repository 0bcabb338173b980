"""A log's run header, and where logs live.

Owns the first record of every log (`RunHeader`: which programme, which kind of
run, which clocks; `LOG_VERSION`), and the naming of log files
(runs/DATE-SLUG[-VENUE][-ROOM]-KIND.jsonl beside the programme, numbered series for
repeated runs; see docs/as-run-log.md). It must not open, write or read logs.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from timekeeper import __version__
from timekeeper.asrun.errors import LogFormatError
from timekeeper.core.clock import Clock
from timekeeper.core.programme import Programme

LOG_VERSION = 1
SLUG_MAX = 32  # keeps file names readable: "how-artificial-intelligence"
RUNS_DIR = "runs"


@dataclass(frozen=True)
class RunHeader:
    """The first record of every log: which programme, which kind of run, which clocks."""

    programme: str  # path relative to the log folder's parent ("programme.yaml" for runs/)
    programme_path: str  # absolute, in case the log is moved away from the programme
    programme_sha256: str | None
    event: str
    event_date: str
    timezone: str
    rehearsal: bool
    mode: str  # live | dress | dry
    simulated: bool  # the show clock was a pretend clock (--at/--speed)
    speed: float
    started_at: datetime  # show clock
    real_started_at: datetime  # real clock
    timekeeper: str = __version__
    v: int = LOG_VERSION
    room: str | None = None  # the room of a venue this run is (--room, a venue file)
    venue: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "record": "run",
            "v": self.v,
            "programme": self.programme,
            "programme_path": self.programme_path,
            "programme_sha256": self.programme_sha256,
            "event": self.event,
            "event_date": self.event_date,
            "timezone": self.timezone,
            "rehearsal": self.rehearsal,
            "mode": self.mode,
            "simulated": self.simulated,
            "speed": self.speed,
            "started_at": self.started_at.isoformat(),
            "real_started_at": self.real_started_at.isoformat(),
            "timekeeper": self.timekeeper,
            **({"room": self.room} if self.room is not None else {}),
            **({"venue": self.venue} if self.venue is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str) -> RunHeader:
        try:
            sha = data.get("programme_sha256")
            return cls(
                programme=str(data["programme"]),
                programme_path=str(data.get("programme_path", data["programme"])),
                programme_sha256=str(sha) if sha is not None else None,
                event=str(data.get("event", "")),
                event_date=str(data.get("event_date", "")),
                timezone=str(data.get("timezone", "UTC")),
                rehearsal=bool(data["rehearsal"]),
                mode=str(data["mode"]),
                simulated=bool(data.get("simulated", data["rehearsal"])),
                speed=float(data.get("speed", 1.0)),
                started_at=datetime.fromisoformat(str(data["started_at"])),
                real_started_at=datetime.fromisoformat(str(data["real_started_at"])),
                timekeeper=str(data.get("timekeeper", "?")),
                v=int(data.get("v", LOG_VERSION)),
                room=_text(data.get("room")),
                venue=_text(data.get("venue")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LogFormatError(f"{where}: the run header is invalid ({exc})") from exc

    @classmethod
    def for_run(
        cls,
        programme: Programme,
        log_path: Path,
        *,
        clock: Clock,
        real_clock: Clock,
        mode: str,
        rehearsal: bool,
        room: str | None = None,
        venue: str | None = None,
    ) -> RunHeader:
        """The header of a new run of `programme` logged at `log_path`."""
        source = Path(programme.source).resolve() if programme.source else None
        return cls(
            programme=_relative(source, log_path) if source else "",
            programme_path=str(source) if source else "",
            programme_sha256=programme.digest,
            event=programme.event.title,
            event_date=programme.event.date.isoformat(),
            timezone=programme.event.timezone,
            rehearsal=rehearsal,
            mode=mode,
            simulated=clock.simulated,
            speed=clock.speed,
            started_at=clock.now(),
            real_started_at=real_clock.now(),
            room=room,
            venue=venue,
        )

    def programme_candidates(self, log_path: Path) -> list[Path]:
        """Where the programme may be: beside the log's folder first (logs move with it)."""
        out = []
        if self.programme:
            rel = Path(self.programme)
            out.append(rel if rel.is_absolute() else log_path.resolve().parent.parent / rel)
        if self.programme_path:
            out.append(Path(self.programme_path))
        return out


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _relative(source: Path, log_path: Path) -> str:
    return os.path.relpath(source, log_path.resolve().parent.parent)


def slug(title: str, limit: int = SLUG_MAX) -> str:
    """A file-name-safe, lowercase, ASCII form of a title, cut at a word boundary."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit and out:
            break
        out = candidate[:limit]
    return out or "event"


def run_kind(mode: str, rehearsal: bool) -> str:
    """The last word of a log's name: `live` for the show itself, else a rehearsal's kind."""
    if not rehearsal:
        return "live"
    return "rehearsal" if mode == "live" else f"{mode}-rehearsal"


PLACE_MAX = 24  # the venue's and the room's part of a log name


def default_log_path(
    programme: Programme,
    mode: str,
    rehearsal: bool,
    venue: str | None = None,
    room: str | None = None,
) -> Path:
    """runs/DATE-SLUG[-VENUE][-ROOM]-KIND.jsonl beside the programme file (or the working folder).

    The venue (`--venue`, a venue file's name, else the event's `venue:`, which an
    imported room's programme sets to the room) and the room (`--room`) are part of
    the name, so two rooms never share a series, in one folder or on a shared drive;
    a part the name already holds is not repeated.
    """
    folder = Path(programme.source).resolve().parent if programme.source else Path.cwd()
    name = f"{programme.event.date.isoformat()}-{slug(programme.event.title)}"
    for place in (venue or programme.event.venue, room):
        part = slug(place, PLACE_MAX) if place else ""
        if part and part != "event" and f"-{part}-" not in f"-{name}-":
            name += f"-{part}"
    return folder / RUNS_DIR / f"{name}-{run_kind(mode, rehearsal)}.jsonl"


def numbered(path: Path, n: int) -> Path:
    """The n-th run logged at `path`: the first is `path` itself, then NAME-2.jsonl, ..."""
    return path if n <= 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def latest_in_series(path: Path) -> tuple[Path, int] | None:
    """The newest existing run of the series that starts at `path`, with its number."""
    found: tuple[Path, int] | None = (path, 1) if path.exists() else None
    pattern = re.compile(re.escape(path.stem) + r"-(\d+)" + re.escape(path.suffix) + "$")
    if path.parent.is_dir():
        for other in path.parent.iterdir():
            m = pattern.match(other.name)
            if m and int(m.group(1)) > 1 and (found is None or int(m.group(1)) > found[1]):
                found = (other, int(m.group(1)))
    return found


def next_in_series(path: Path) -> Path:
    """A path for a new run of the series that starts at `path` (never an existing file)."""
    latest = latest_in_series(path)
    return path if latest is None else numbered(path, latest[1] + 1)
