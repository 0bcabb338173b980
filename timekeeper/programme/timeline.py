"""Place each slot on the timeline: its planned start and duration as real instants.

A slot without `start` follows the previous one; an `end` becomes a duration
measured in real elapsed time. Consecutive slots are compared as they are
placed (overlap, wrong order, gap), which is enough to rule out every overlap
because the slots must be listed in time order: the check is O(n).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.durations import format_duration
from timekeeper.programme.locations import Locations
from timekeeper.programme.model import EventModel, SlotModel
from timekeeper.programme.times import Resolved, TimeSpec, resolve

#: Planned instants must fall in this range, so that no later arithmetic overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Placed:
    """A slot with its planned start (UTC) and duration."""

    index: int
    model: SlotModel
    start: datetime
    duration: timedelta

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @property
    def label(self) -> str:
        return label(self.model)


def label(model: SlotModel) -> str:
    """How messages name a slot (same rule as for raw data: id, else title)."""
    return f"slot '{model.id or model.title}'"


class Timeline:
    """Places the slots of one programme, reporting timing problems as it goes."""

    def __init__(self, event: EventModel, locations: Locations, report: Report) -> None:
        self.event, self.locations, self.report = event, locations, report
        self.zone = ZoneInfo(event.timezone)

    def place_all(self, slots: list[SlotModel | None]) -> list[Placed | None]:
        placed: list[Placed | None] = []
        previous: Placed | None = None
        for index, model in enumerate(slots):
            spot = self._place(index, model, previous) if model is not None else None
            placed.append(spot)
            previous = spot
        return placed

    def show(self, instant: datetime) -> str:
        """A planned instant as the programme's reader thinks of it: local, date if not the day."""
        local = instant.astimezone(self.zone)
        if local.date() == self.event.date:
            return local.strftime("%H:%M:%S" if local.second else "%H:%M")
        return local.strftime("%Y-%m-%d %H:%M")

    def _place(self, index: int, model: SlotModel, previous: Placed | None) -> Placed | None:
        if not self._has_length(index, model):
            return None
        start = self._start(index, model, previous)
        if start is None:
            return None
        duration = model.duration
        if duration is None and model.end is not None:
            duration = self._until_end(index, model, model.end, start)
        if duration is None or not self._in_range(index, model, start, duration):
            return None
        spot = Placed(index, model, start, duration)
        if previous is not None and model.start is not None:
            self._compare(previous, spot)
        return spot

    def _in_range(self, index: int, model: SlotModel, start: datetime, duration: timedelta) -> bool:
        """Years 1900 to 8999: a typo in a year must not overflow the engine's arithmetic."""
        if start >= EARLIEST and duration <= LATEST - start:
            return True
        where = "start" if model.start is not None else "duration"
        self.report.error(
            self.locations.value(("slots", index, where)),
            f"{label(model)} falls outside the years timekeeper plans (1900 to 8999)",
        )
        return False

    def _has_length(self, index: int, model: SlotModel) -> bool:
        """Exactly one of duration and end."""
        path = ("slots", index)
        if model.duration is not None and model.end is not None:
            self.report.error(
                self.locations.key((*path, "end")),
                f"{label(model)} gives both duration and end; keep only one",
            )
            return False
        if model.duration is None and model.end is None:
            self.report.error(
                self.locations.value(path),
                f"{label(model)} needs a duration (e.g. duration: 30m) "
                'or an end (e.g. end: "16:00")',
            )
            return False
        return True

    def _start(self, index: int, model: SlotModel, previous: Placed | None) -> datetime | None:
        if model.start is not None:
            return self._resolve(model.start, ("slots", index, "start"), self.event.date)
        if index == 0:
            self.report.error(
                self.locations.value(("slots", 0)),
                f'the first slot ({label(model)}) needs a start, e.g. start: "15:30"',
            )
            return None
        return previous.end if previous is not None else None  # None: reported already

    def _resolve(self, spec: TimeSpec, path: tuple[str | int, ...], day: date) -> datetime | None:
        try:
            resolved: Resolved = resolve(spec, self.event.timezone, day)
        except ValueError as exc:
            self.report.error(self.locations.value(path), f"{path[-1]} {exc}")
            return None
        if resolved.note:
            self.report.warning(self.locations.value(path), resolved.note)
        return resolved.instant

    def _until_end(
        self, index: int, model: SlotModel, end_spec: TimeSpec, start: datetime
    ) -> timedelta | None:
        path = ("slots", index, "end")
        end = self._resolve(end_spec, path, start.astimezone(self.zone).date())
        if end is None:
            return None
        if end <= start:
            when = "when it starts" if end == start else f"before it starts at {self.show(start)}"
            self.report.error(
                self.locations.value(path),
                f"{label(model)} ends at {self.show(end)}, {when}; expected an end after the start",
            )
            return None
        return end - start

    def _compare(self, previous: Placed, spot: Placed) -> None:
        """Wrong order and overlap are errors; a gap is worth a warning."""
        mark = self.locations.value(("slots", spot.index, "start"))
        if spot.start < previous.start:
            self.report.error(
                mark,
                f"{spot.label} starts at {self.show(spot.start)}, before the slot listed above it "
                f"({previous.label}, at {self.show(previous.start)}); list slots in time order"
                + self._midnight_hint(spot),
            )
        elif spot.start < previous.end:
            self.report.error(
                mark,
                f"{spot.label} starts at {self.show(spot.start)}, while {previous.label} runs "
                f"until {self.show(previous.end)}: they overlap by "
                f"{format_duration(previous.end - spot.start)}",
            )
        elif spot.start > previous.end:
            self.report.warning(
                mark,
                f"gap of {format_duration(spot.start - previous.end)} before {spot.label}: "
                f"{previous.label} ends at {self.show(previous.end)}",
            )

    def _midnight_hint(self, spot: Placed) -> str:
        spec = spot.model.start
        if spec is None or spec.has_date:
            return ""
        return (
            f" (a time of day falls on the event date, {self.event.date}; after midnight "
            "write the full date and time, e.g. 2023-11-21T00:30)"
        )
