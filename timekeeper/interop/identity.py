"""Stable identities for exported slots: the guid and slug other tools key on.

A slot imported from a schedule keeps its guid (its id is that guid); any other
slot gets a UUID 5 from the event's acronym and the slot id, so exporting again
gives the same guids and UIDs, and a calendar or a signage system that imported
the file before updates its entries instead of duplicating them.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from timekeeper.core.programme import ObsAction, Programme, Slot
from timekeeper.programme.ids import slugify

_NAMESPACE = uuid.UUID("6b1f0a8e-3a53-4c1e-9a1c-7d5a2b9e6c11")  # timekeeper's own


def acronym(programme: Programme) -> str:
    """A c3voc-style acronym: lower-case letters, digits and '_', four or more."""
    base = slugify(programme.event.title).replace("-", "_")[:32].strip("_") or "event"
    return f"{base}_{programme.event.date.year}" if len(base) < 4 else base


def guid(programme: Programme, slot: Slot) -> str:
    try:
        return str(uuid.UUID(slot.id))
    except ValueError:
        return str(uuid.uuid5(_NAMESPACE, f"{acronym(programme)}/{slot.id}"))


def slug(programme: Programme, slot: Slot) -> str:
    """`<acronym>-<slot id>`, as frab's XSD (voc-slug-new) and c3voc's schema both accept it.

    The XSD wants four or more characters after the acronym's dash and the schema a
    letter or digit last, so a short id is padded in front with '_' (`qa` -> `__qa`),
    which no slot id starts with, so two slugs never meet.
    """
    rest = re.sub(r"[^a-z0-9_-]+", "-", slot.id.lower()).rstrip("-_") or "slot"
    return f"{acronym(programme)}-{rest.rjust(4, '_')}"


def room(programme: Programme) -> str:
    return programme.event.venue or "Main"


def days(programme: Programme) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by the local date they start on, in order."""
    grouped: dict[date, list[Slot]] = {}
    for slot in programme.slots:
        grouped.setdefault(programme.local(slot.start).date(), []).append(slot)
    return sorted(grouped.items())


def recorded(programme: Programme) -> dict[str, bool] | None:
    """Whether the recording runs during each slot (after its on_start), by the output intent;
    None when no slot starts or stops a recording (the programme says nothing about it)."""
    hooks = {ObsAction.START_RECORDING, ObsAction.STOP_RECORDING}
    if not any(hooks & set(s.on_start + s.on_end) for s in programme.slots):
        return None
    running, result = False, {}
    for slot in programme.slots:
        running = _after(running, slot.on_start)
        result[slot.id] = running
        running = _after(running, slot.on_end)
    return result


def _after(running: bool, actions: tuple[ObsAction, ...]) -> bool:
    for action in actions:
        if action is ObsAction.START_RECORDING:
            running = True
        elif action is ObsAction.STOP_RECORDING:
            running = False
    return running
