"""A room's schedule as it runs: c3voc's schedule.json and ICS, with expected and actual times.

Owns `live_times` (each slot's times as the show stands: actual for what has
run, the live slot's actual start and expected end, expected for what is to
come, planned for a skipped slot) and the two documents built from them with
the ordinary exporters (export_json, ics): every event's `date`/`start`/
`duration`/`end` are those times, so a screen or app that reads schedule.json
shows the delays as they are. c3voc's schema allows no extra keys on an event,
so what is not schedule.json — the planned times, each event's state, the live
talk — is kept beside, in the `schedule` object's own `timekeeper` key (the one
place the schema leaves open). Pure: the status in, documents out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from timekeeper.core.programme import Programme
from timekeeper.core.state import Outcome
from timekeeper.core.status import SlotView, Status
from timekeeper.interop import export_json, ics, identity

STATE = {
    Outcome.PENDING: "expected",
    Outcome.LIVE: "live",
    Outcome.DONE: "done",
    Outcome.CUT: "cut",
    Outcome.SKIPPED: "skipped",
}


def span(view: SlotView) -> tuple[datetime, datetime]:
    """The slot's times as the show stands (see the module docstring)."""
    start = view.actual_start or view.expected_start or view.planned_start
    end = view.actual_end or view.expected_end or view.planned_end
    return start, max(start, end)


def live_times(status: Status) -> dict[str, tuple[datetime, datetime]]:
    return {view.slot.id: span(view) for view in status.slots}


def schedule_document(programme: Programme, status: Status, *, rehearsal: bool) -> dict[str, Any]:
    """schedule.json with expected/actual times; planned times and states under `timekeeper`."""
    doc = export_json.document(programme, live_times(status))
    live = status.live
    doc["schedule"]["timekeeper"] = {
        "live": identity.guid(programme, live.slot) if live is not None else None,
        "mode": status.mode.value,
        "rehearsal": rehearsal,
        "over_under": status.over_under.total_seconds() if status.over_under is not None else None,
        "events": {
            identity.guid(programme, v.slot): {
                "slot": v.slot.id,
                "state": STATE[v.outcome],
                "planned_start": programme.local(v.planned_start).isoformat(),
                "planned_end": programme.local(v.planned_end).isoformat(),
                "start": programme.local(span(v)[0]).isoformat(),
                "end": programme.local(span(v)[1]).isoformat(),
                "actual_start": _local(programme, v.actual_start),
                "actual_end": _local(programme, v.actual_end),
            }
            for v in status.slots
        },
    }
    return doc


def schedule_json(programme: Programme, status: Status, *, rehearsal: bool) -> bytes:
    doc = schedule_document(programme, status, rehearsal=rehearsal)
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()


def schedule_ics(programme: Programme, status: Status) -> bytes:
    """The same times as an iCalendar feed; DTSTAMP is the status's instant (a change is
    newer), and each DESCRIPTION says the planned time and the state."""
    notes = {}
    for v in status.slots:
        start, end = programme.local(v.planned_start), programme.local(v.planned_end)
        planned = f"planned {start:%H:%M}–{end:%H:%M}"
        notes[v.slot.id] = f"{planned}, {STATE[v.outcome]}"
    return ics.write(programme, stamp=status.at, times=live_times(status), notes=notes)


def _local(programme: Programme, instant: datetime | None) -> str | None:
    return programme.local(instant).isoformat() if instant is not None else None
