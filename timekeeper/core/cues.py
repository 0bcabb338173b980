"""Which OBS work the show implies, as data (the director carries it out).

Scene switches follow the show's events (`cues_for`: a slot started, or came
back). Stream and record actions follow the *output intent* of the live
position (`output_cues`, see core/outputs.py), so that no path through the
show loses one: next, a jump or a hard start over a slot that starts the
recording, back, a run resumed after a crash. Each action carries a once-only
key: the intent's own (`keynote:on_start:start_recording`, the key the boundary
itself would have used), or, when the intent changes back to a source whose
key is already settled (a back, then the same boundary again), that key with
`@` and the instant.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from timekeeper.core.engine import ShowEvent
from timekeeper.core.outputs import Intent, Intents, Output, changes, output_of
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
    intent: Intent | None = None  # why: the output intent it carries out
    again: bool = False  # the intent changed back to a source whose key was already done

    @property
    def starts(self) -> bool:
        return output_of(self.action)[1]


Cue = SwitchScene | RunAction


def cues_for(programme: Programme, events: list[ShowEvent]) -> list[SwitchScene]:
    """The scene switches `events` imply, in order (a slot started, or a back restored one)."""
    cues: list[SwitchScene] = []
    for ev in events:
        if ev.slot is None or ev.kind not in ("slot_started", "back"):
            continue
        slot = programme.slots[programme.index(ev.slot)]
        if slot.scene:
            transition = slot.transition or programme.obs.transition
            key = f"{slot.id}:scene:{ev.at.isoformat()}"
            cues.append(SwitchScene(slot.scene, ev.at, slot.id, transition, key))
    return cues


def output_cues(
    before: Intents,
    after: Intents,
    at: datetime,
    settled: Collection[str],
    observed: Mapping[Output, bool | None],
) -> list[RunAction]:
    """The actions that bring the outputs from intent `before` to intent `after`, stops first.

    `before` is what was last aimed at for each output (see `aimed`): a position
    that says nothing about an output does not forget the earlier aim.

    An intent whose key is not `settled` (done, or already asked for) is acted on
    with that key: the boundary itself, a skipped slot's action, one a crash left
    undone. An intent that turned from running to stopped or back although its
    key is settled (the show went back over it, then on again) is acted on with a
    fresh key, unless OBS is already seen (`observed`) as it should be. Anything
    else is left as OBS has it: a stream stopped by hand is not restarted at the
    next boundary.
    """
    changed = {i.output for i in changes(before, after)}
    cues: list[RunAction] = []
    for output, intent in after.items():
        if intent.key not in settled:
            cues.append(RunAction(intent.action, at, intent.slot, intent.key, intent))
        elif output in changed and observed.get(output) is not intent.running:
            key = f"{intent.key}@{at.isoformat()}"
            if key not in settled:
                cues.append(RunAction(intent.action, at, intent.slot, key, intent, again=True))
    return sorted(cues, key=lambda c: c.starts)  # stops (False) before starts


def aimed(before: Intents, after: Intents) -> Intents:
    """What is aimed at once `after` is carried out (an output it does not name keeps its aim)."""
    return {**before, **after}
