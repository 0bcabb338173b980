"""Load a venue file: YAML -> validated model -> `Venue`, with every problem located.

The same reader as a programme (timekeeper.programme.yamldoc: safe, bounded, every
key's line and column) and the same diagnostics (`FILE:LINE:COL: error: ...`, all
at once, `InvalidProgrammeError`). A file is a venue file when its top level has
`rooms:`; `is_venue_file` tells `timekeeper run` and `check` which they were given.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from timekeeper.programme.diagnostics import Diagnostic, InvalidProgrammeError, Report
from timekeeper.programme.locations import Locations
from timekeeper.programme.source import decode, read_bytes
from timekeeper.programme.translate import describe
from timekeeper.programme.yamldoc import compose
from timekeeper.rooms.model import MqttModel, RoomModel, VenueFileModel, VenueInfo
from timekeeper.rooms.topics import slug

_EXPECTED = {
    "string_type": "text",
    "list_type": "a list (one '- item' per line)",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}
_MODELS: dict[str, type[BaseModel]] = {"venue": VenueInfo, "mqtt": MqttModel, "rooms": RoomModel}
_PASSWORD = (
    "the broker password never lives in the venue file: remove 'password' and set "
    "password_env to the name of an environment variable that holds it (e.g. TK_MQTT_PASSWORD)"
)


@dataclass(frozen=True)
class Room:
    name: str
    slug: str
    programme: Path  # resolved against the venue file's folder
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Venue:
    name: str
    slug: str
    timezone: str | None
    mqtt: MqttModel | None
    rooms: tuple[Room, ...]
    source: Path

    def room(self, name: str) -> Room:
        """The room called `name` (or its slug); UsageError naming the rooms otherwise."""
        from timekeeper.errors import UsageError

        for room in self.rooms:
            if name in (room.name, room.slug) or slug(name) == room.slug:
                return room
        names = ", ".join(repr(r.name) for r in self.rooms)
        raise UsageError(f"--room: {self.source} has no room {name!r}; its rooms: {names}")


def is_venue_file(path: str | Path) -> bool:
    """True when the file's top level is a mapping with `rooms:` (a programme has `slots:`)."""
    report = Report(str(path))
    data = read_bytes(Path(path), report)
    text = decode(data, report) if data is not None else None
    composed = compose(text, report) if text is not None else None
    return composed is not None and isinstance(composed[0], dict) and "rooms" in composed[0]


def load_venue(path: str | Path) -> Venue:
    """The venue in the file at `path`; raises InvalidProgrammeError listing every problem."""
    return load_venue_with_warnings(path)[0]


def load_venue_with_warnings(path: str | Path) -> tuple[Venue, list[Diagnostic]]:
    report = Report(str(path))
    data = read_bytes(Path(path), report)
    text = decode(data, report) if data is not None else None
    composed = compose(text, report) if text is not None else None
    if composed is None:
        raise InvalidProgrammeError(report.sorted())
    document, locations = composed
    if document is None:
        report.error((0, 0), "the file is empty; a venue needs 'venue:' and 'rooms:'")
        raise InvalidProgrammeError(report.sorted())
    try:
        model = VenueFileModel.model_validate(document)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            mark = locations.key(loc) if err["type"] in ("missing", "extra_forbidden") else None
            report.error(mark or locations.value(loc), _message(err, loc))
        raise InvalidProgrammeError(report.sorted()) from None
    venue = _venue(model, Path(path), locations, report)
    if report.has_errors:
        raise InvalidProgrammeError(report.sorted())
    return venue, report.warnings()


def _venue(model: VenueFileModel, path: Path, locations: Locations, report: Report) -> Venue:
    folder = path.parent
    rooms: list[Room] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(model.rooms):
        room_slug = slug(raw.name)
        if room_slug in seen:
            report.error(
                locations.value(("rooms", index, "name")),
                f"room {raw.name!r} has the same topic name '{room_slug}' as room "
                f"{seen[room_slug]!r}; give the rooms names that differ in letters or digits",
            )
        seen.setdefault(room_slug, raw.name)
        programme = folder / raw.programme
        if not programme.is_file():
            report.error(
                locations.value(("rooms", index, "programme")),
                f"room {raw.name!r}: no programme file {raw.programme!r} (looked in {folder}/)",
            )
        rooms.append(Room(raw.name, room_slug, programme, tuple(dict.fromkeys(raw.commands))))
    info = model.venue
    return Venue(info.name, slug(info.name), info.timezone, model.mqtt, tuple(rooms), path)


def _message(err: Any, loc: tuple[str | int, ...]) -> str:
    kind = err["type"]
    where = _where(loc[:-1])
    if not loc:
        return f"expected a mapping with 'venue:' and 'rooms:', got {describe(err['input'])}"
    name = str(loc[-1])
    if kind == "missing":
        return f"missing required key '{name}' {where}"
    if kind == "extra_forbidden":
        if name == "password" and loc[:-1] == ("mqtt",):
            return _PASSWORD
        known = list(_model_at(loc[:-1]).model_fields)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            return f"unknown key '{name}' {where}; did you mean '{close[0]}'?"
        return f"unknown key '{name}' {where}; expected one of: {', '.join(known)}"
    subject = f"'{name}' {where}" if not isinstance(loc[-1], int) else f"item {loc[-1] + 1} {where}"
    if kind == "too_short" and loc == ("rooms",):
        return "the venue has no rooms; add at least one under 'rooms:'"
    if kind == "string_too_short":
        return f"{subject} is empty; expected some text"
    if kind == "value_error":
        return f"{subject}: {err.get('ctx', {}).get('error', err['msg'])}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{subject}: expected {expected}, got {describe(err['input'])}"
    if kind == "string_pattern_mismatch":
        return f"{subject}: expected the name of an environment variable, like TK_MQTT_PASSWORD"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{subject}: {err['msg']}"
    return f"{subject}: expected {expected}, got {describe(err['input'])}"


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel]:
    names = [part for part in path if isinstance(part, str)]
    return _MODELS.get(names[0], VenueFileModel) if names else VenueFileModel


def _where(path: tuple[str | int, ...]) -> str:
    if not path:
        return "at the top level"
    if path[0] == "rooms" and len(path) >= 2 and isinstance(path[1], int):
        rest = "".join(f".{p}" if isinstance(p, str) else f"#{p + 1}" for p in path[2:])
        return f"in room {path[1] + 1}" + (f" ('{rest[1:]}')" if rest else "")
    return "in '" + ".".join(str(p) for p in path) + "'"
