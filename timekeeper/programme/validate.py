"""Validate the YAML data against the models, keeping every part that is valid.

All shape errors are reported at once; the parts that did validate (the event,
each slot on its own) are kept so that the timeline checks can still run on
them and report their own problems in the same pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.locations import Locations
from timekeeper.programme.model import (
    DefaultsModel,
    EventModel,
    LateModel,
    ObsSettingsModel,
    ProgrammeModel,
    SlotModel,
)
from timekeeper.programme.translate import report_validation_error

_M = TypeVar("_M", bound=BaseModel)


@dataclass
class Parts:
    """The valid parts of a programme; None where a part did not validate."""

    event: EventModel | None
    obs: ObsSettingsModel | None
    obs_present: bool
    defaults: DefaultsModel | None
    slots: list[SlotModel | None] = field(default_factory=list)
    timeline_event: EventModel | None = None  # to place slots: the event, or a stand-in
    late: LateModel | None = field(default_factory=LateModel)  # None: it did not validate

    def __post_init__(self) -> None:
        self.timeline_event = self.timeline_event or self.event

    @property
    def complete(self) -> bool:
        valid = self.event is not None and self.defaults is not None and self.late is not None
        return valid and None not in self.slots


def validate(data: Any, locations: Locations, report: Report) -> Parts:
    """Report every shape error of `data`; return whatever validated."""
    _null_ids(data, locations, report)
    try:
        model = ProgrammeModel.model_validate(data)
    except ValidationError as exc:
        report_validation_error(exc, data, locations, report)
        return _salvage(data)
    present = isinstance(data, dict) and "obs" in data
    obs = model.obs or (ObsSettingsModel() if present else None)
    return Parts(model.event, obs, present, model.defaults, list(model.slots), late=model.late)


def _null_ids(data: Any, locations: Locations, report: Report) -> None:
    """`id: null` (or `~`, or nothing) would silently become an id made from the title."""
    slots = data.get("slots") if isinstance(data, dict) else None
    for index, raw in enumerate(slots if isinstance(slots, list) else []):
        if isinstance(raw, dict) and "id" in raw and raw["id"] is None:
            report.error(
                locations.value(("slots", index, "id")),
                f"slot {index + 1}'s 'id' is empty (YAML reads null, ~ and nothing as no value): "
                'write the id in quotes (id: "null") or leave the key out',
            )


def _salvage(data: Any) -> Parts:
    """Validate each part on its own, silently: its errors are already reported."""
    if not isinstance(data, dict):
        return Parts(None, None, False, None)
    present = "obs" in data
    obs = _try(ObsSettingsModel, data.get("obs") or {}) if present else None
    defaults = _try(DefaultsModel, data.get("defaults", {}))
    raw_slots = data.get("slots")
    slots = [_try(SlotModel, raw) for raw in raw_slots] if isinstance(raw_slots, list) else []
    event = _try(EventModel, data.get("event"))
    late = _try(LateModel, data.get("late") or {})
    return Parts(event, obs, present, defaults, slots, event or _stand_in(data.get("event")), late)


def _stand_in(raw: Any) -> EventModel | None:
    """Just enough of an invalid event (its date; UTC if need be) to check the slots' times."""
    if not isinstance(raw, dict):
        return None
    known = {"title": "-", **{key: raw[key] for key in ("date", "timezone") if key in raw}}
    return _try(EventModel, known) or _try(EventModel, {**known, "timezone": "UTC"})


def _try(model: type[_M], raw: Any) -> _M | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None
