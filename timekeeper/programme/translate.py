"""Pydantic's validation errors, reworded for the person editing programme.yaml.

Each error is pinned to the line of the key or value it is about, names the
slot it is in, says what was expected, and suggests the closest known key for
a typo. Pydantic's own wording ("Input should be a valid string") is the last resort.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.locations import Locations, Path
from timekeeper.programme.model import ProgrammeModel

_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list (one '- item' per line)",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}
_PASSWORD = (
    "the OBS password never lives in the programme file: remove 'password' and set "
    "password_env to the name of an environment variable that holds it (e.g. OBS_PASSWORD)"
)


def report_validation_error(
    exc: ValidationError, data: Any, locations: Locations, report: Report
) -> None:
    """Add one diagnostic per pydantic error of validating `data` as a ProgrammeModel."""
    errors = exc.errors()
    suggested = {_suggestion_key(err) for err in errors if err["type"] == "extra_forbidden"}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and (loc[:-1], loc[-1]) in suggested:
            continue  # "unknown key 'titel'; did you mean 'title'?" already says it
        mark = _mark(err, loc, locations)
        report.error(mark, _message(err, loc, data))


def _mark(err: ErrorDetails, loc: Path, locations: Locations) -> tuple[int, int] | None:
    if err["type"] == "missing":
        return locations.key(loc[:-1])  # `event:` rather than the first key under it
    if err["type"] == "extra_forbidden":
        return locations.key(loc)
    return locations.value(loc)


def _suggestion_key(err: ErrorDetails) -> tuple[Path, str | None]:
    loc = tuple(err["loc"])
    return loc[:-1], _closest(str(loc[-1]), _known_keys(loc[:-1]))


def _message(err: ErrorDetails, loc: Path, data: Any) -> str:
    kind = err["type"]
    if not loc:
        return (
            "expected a mapping with 'event:' and 'slots:' at the top level, "
            f"got {describe(err['input'])}"
        )
    name, where = str(loc[-1]), where_in(loc[:-1], data)
    if kind == "missing":
        return f"missing required key '{name}' {where}; expected {_description(loc)}"
    if kind == "extra_forbidden":
        return _unknown_key(loc, where)
    if kind == "too_short" and loc == ("slots",):
        return "the programme has no slots; add at least one under 'slots:'"
    subject = _subject(loc, data)
    if kind == "string_too_short":
        return f"{subject} is empty; expected some text"
    if kind == "value_error":
        return f"{subject}: {err.get('ctx', {}).get('error', err['msg'])}"
    if kind == "literal_error":
        return _bad_choice(err, subject)
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{subject}: {err['msg']}"
    return f"{subject}: expected {expected}, got {describe(err['input'])}{_quote_hint(err)}"


def _subject(loc: Path, data: Any) -> str:
    """Name what an error is about: 'title' in slot 'k', or item 2 of 'on_start' in slot 'k'."""
    if isinstance(loc[-1], int) and len(loc) > 1:
        return f"item {loc[-1] + 1} of '{loc[-2]}' {where_in(loc[:-2], data)}"
    return f"'{loc[-1]}' {where_in(loc[:-1], data)}"


def _unknown_key(loc: Path, where: str) -> str:
    key = str(loc[-1])
    if key == "password" and loc[:-1] == ("obs",):
        return _PASSWORD
    known = _known_keys(loc[:-1])
    close = _closest(key, known)
    if close:
        return f"unknown key '{key}' {where}; did you mean '{close}'?"
    return f"unknown key '{key}' {where}; expected one of: {', '.join(known)}"


def _bad_choice(err: ErrorDetails, subject: str) -> str:
    expected = str(err.get("ctx", {}).get("expected", ""))
    choices = [part.strip(" '") for part in expected.replace(" or ", ",").split(",")]
    value = err["input"]
    close = _closest(value, choices) if isinstance(value, str) else None
    hint = f"; did you mean '{close}'?" if close else ""
    return f"{subject}: expected {expected}, got {describe(value)}{hint}"


def _quote_hint(err: ErrorDetails) -> str:
    value = err["input"]
    if err["type"] == "string_type" and isinstance(value, bool):
        return (
            ' (put it in quotes as you wrote it, e.g. "yes": YAML reads yes, no, on, off, '
            "true and false as a boolean)"
        )
    if err["type"] == "string_type" and isinstance(value, int | float):
        return f' (put it in quotes: "{value}")'
    return ""


def describe(value: Any) -> str:
    """A short name for what the user wrote, for "expected X, got Y"."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return "a list" if isinstance(value, list) else "a mapping"


def _closest(word: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def slot_label(index: int, raw: Any) -> str:
    """How messages name a slot: its id, else its title, else its number."""
    if isinstance(raw, dict):
        for key in ("id", "title"):
            if isinstance(raw.get(key), str) and raw[key].strip():
                return f"slot '{raw[key]}'"
    return f"slot {index + 1}"


def where_in(path: Path, data: Any) -> str:
    """'in slot 'keynote'', 'in turn 2 of slot 'panel'', 'in 'obs'', 'at the top level'."""
    if not path:
        return "at the top level"
    if path[0] == "slots" and len(path) >= 2 and isinstance(path[1], int):
        slots = data.get("slots") if isinstance(data, dict) else None
        raw = slots[path[1]] if isinstance(slots, list) and path[1] < len(slots) else None
        return _in_slot(slot_label(path[1], raw), path[2:])
    return f"in '{_dotted(path)}'"


def _in_slot(slot: str, rest: Path) -> str:
    if not rest:
        return f"in {slot}"
    if rest[0] in ("turns", "speakers") and len(rest) >= 2 and isinstance(rest[1], int):
        inner = f"{'turn' if rest[0] == 'turns' else 'speaker'} {rest[1] + 1} of {slot}"
        return f"in '{_dotted(rest[2:])}' of {inner}" if len(rest) > 2 else f"in {inner}"
    return f"in '{_dotted(rest)}' of {slot}"


def _dotted(path: Path) -> str:
    return "".join(f"#{part + 1}" if isinstance(part, int) else f".{part}" for part in path)[1:]


def _known_keys(path: Path) -> list[str]:
    model = _model_at(path)
    return list(model.model_fields) if model else []


def _model_at(path: Path) -> type[BaseModel] | None:
    """The model class that validates the mapping at `path` (walking field annotations)."""
    model: type[BaseModel] | None = ProgrammeModel
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _find_model(field.annotation) if field else None
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _description(loc: Path) -> str:
    model = _model_at(loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    text = (field.description or "a value") if field else "a value"
    return text if text[1:2].isupper() else text[0].lower() + text[1:]  # keep "IANA"
