"""Which OBS work a show event implies, as data (the director carries it out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import ObsAction, Programme, Transition


@dataclass(frozen=True)
class SwitchScene:
    scene: str
    boundary_at: datetime  # the instant the slot started (the switch is timed from it)
    slot: str
    transition: Transition | None
    key: str  # unique per slot start: a switch is requested once per boundary


@dataclass(frozen=True)
class RunAction:
    action: ObsAction
    at: datetime
    slot: str
    key: str  # once and only once, even across restarts and reconnects


Cue = SwitchScene | RunAction


def cues_for(programme: Programme, events: list[ShowEvent]) -> list[Cue]:
    """The OBS cues `events` imply, in order: on_end actions, the switch, on_start actions."""
    cues: list[Cue] = []
    for ev in events:
        if ev.slot is None:
            continue
        slot = programme.slots[programme.index(ev.slot)]
        if ev.kind == "slot_ended":
            cues += [
                RunAction(a, ev.at, slot.id, f"{slot.id}:on_end:{a.value}") for a in slot.on_end
            ]
        elif ev.kind in ("slot_started", "back") and slot.scene:  # back: the restored slot's
            transition = slot.transition or programme.obs.transition
            key = f"{slot.id}:scene:{ev.at.isoformat()}"
            cues.append(SwitchScene(slot.scene, ev.at, slot.id, transition, key))
        if ev.kind == "slot_started":
            cues += [
                RunAction(a, ev.at, slot.id, f"{slot.id}:on_start:{a.value}") for a in slot.on_start
            ]
    return cues
