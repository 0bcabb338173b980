"""Output intent: whether the stream and the recording should be running at a point of the show.

The programme implies it: an output runs from the slot whose `on_start`/`on_end`
starts it to the slot that stops it (docs/timing.md, "output intent"). Read at
the live position, every slot before it counts — done, cut or skipped: a
skipped slot's actions are not lost — then the live slot's `on_start` (its
`on_end` has not come yet); between slots, and once the show has ended, every
slot up to there counts whole. Before anything names an output, the programme
says nothing about it (None): timekeeper leaves it as OBS has it.

Each intent names its source (slot, hook, action), whose `key` is the once-only
key of the action (`keynote:on_start:start_recording`, as the as-run log keeps
them). Pure: no clock, no I/O; the director carries the intent out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from timekeeper.core.engine import Mode, Outcome, ShowState
from timekeeper.core.programme import ObsAction, Programme, Slot
from timekeeper.core.status import Status


class Output(StrEnum):
    STREAM = "stream"
    RECORDING = "recording"


_OUTPUT = {
    ObsAction.START_STREAMING: (Output.STREAM, True),
    ObsAction.STOP_STREAMING: (Output.STREAM, False),
    ObsAction.START_RECORDING: (Output.RECORDING, True),
    ObsAction.STOP_RECORDING: (Output.RECORDING, False),
}
_NAMES = {Output.STREAM: "streaming", Output.RECORDING: "recording"}


def output_of(action: ObsAction) -> tuple[Output, bool]:
    """Which output an action drives, and whether it starts (True) or stops it."""
    return _OUTPUT[action]


@dataclass(frozen=True)
class Intent:
    """One output should be running (or not), because of one slot's hook."""

    output: Output
    running: bool
    action: ObsAction
    slot: str  # id of the slot whose hook implies it
    title: str
    hook: str  # on_start | on_end
    skipped: bool = False  # that slot was skipped: its boundary never came

    @property
    def key(self) -> str:
        """The once-only key of the action (the same as when the boundary itself comes)."""
        return f"{self.slot}:{self.hook}:{self.action.value}"

    def because(self) -> str:
        """Why: "skipped slot 'Keynote' starts it", "slot 'Closing' stops it at its end"."""
        verb = "starts" if self.running else "stops"
        when = " at its end" if self.hook == "on_end" else ""
        skipped = "skipped " if self.skipped else ""
        return f"{skipped}slot '{self.title}' {verb} it{when}"

    def sentence(self, *, sent: bool = True) -> str:
        """ "recording will start (skipped slot 'Keynote' starts it)"; "would" when not sent."""
        verb = "will" if sent else "would"
        change = "start" if self.running else "stop"
        return f"{_NAMES[self.output]} {verb} {change} ({self.because()})"


Intents = dict[Output, Intent]


def _intents(
    slots: Sequence[Slot], outcomes: Sequence[Outcome], mode: Mode, position: int
) -> Intents:
    if mode is Mode.BEFORE:
        return {}
    out: Intents = {}
    for i, slot in enumerate(slots):
        if mode is not Mode.ENDED and i > position:
            break
        live = mode is Mode.LIVE and i == position
        skipped = outcomes[i] is Outcome.SKIPPED
        for hook, actions in (("on_start", slot.on_start), ("on_end", slot.on_end)):
            if live and hook == "on_end":
                break
            for action in actions:
                output, running = output_of(action)
                out[output] = Intent(output, running, action, slot.id, slot.title, hook, skipped)
    return out


def intent_at(programme: Programme, state: ShowState) -> Intents:
    """What the live position implies for each output (an output nothing names is absent)."""
    outcomes = [r.outcome for r in state.records]
    return _intents(programme.slots, outcomes, state.mode, state.position)


def intent_in(status: Status) -> Intents:
    """The same, read from a Status (what the dashboard holds)."""
    slots = [v.slot for v in status.slots]
    outcomes = [v.outcome for v in status.slots]
    return _intents(slots, outcomes, status.mode, _position(status))


def _position(status: Status) -> int:
    if status.live is not None:
        return status.live.index
    ran = [v.index for v in status.slots if v.outcome in (Outcome.DONE, Outcome.CUT)]
    return max(ran, default=-1)


def changes(before: Intents, after: Intents) -> list[Intent]:
    """The intents of `after` that differ in effect (running or not) from `before`."""
    out = []
    for output in Output:
        new, old = after.get(output), before.get(output)
        if new is not None and (old is None or old.running != new.running):
            out.append(new)
    return out


def jump_changes(status: Status, target: int) -> list[Intent]:
    """What a jump to slot `target` would change in the outputs (the jump dialog says it)."""
    slots = [v.slot for v in status.slots]
    outcomes = [
        Outcome.SKIPPED if v.outcome is Outcome.PENDING and v.index < target else v.outcome
        for v in status.slots
    ]
    return changes(intent_in(status), _intents(slots, outcomes, Mode.LIVE, target))


def describe_changes(intents: Sequence[Intent], *, sent: bool = True) -> str:
    """One sentence for a dialog or a notification; "" when nothing changes."""
    if not intents:
        return ""
    text = "; ".join(i.sentence(sent=sent) for i in intents)
    return text[:1].upper() + text[1:] + "."
