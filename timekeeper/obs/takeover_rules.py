"""Takeover reconciliation, sans I/O: what a new driver still has to ask of OBS, and no more.

Owns the one rule a standby applies when it takes over (issue 24): given OBS as it
is (`ObsActual`, read at once on takeover), the due slot's scene (`DueScene`),
the output intents of the live position (`core.outputs.Intents`) and the keys the
replicated as-run log shows done (actions done, switches confirmed), `reconcile`
returns a `TakeoverPlan` with only the requests still needed:

- no switch when OBS already shows the due scene; none when the log shows the
  due boundary's switch confirmed (the previous driver did it: another scene on
  program now is a hand switch, respected until the next boundary, as always);
- no stream or record action whose key is done (once only, even if OBS differs
  now: the plan says so); an output already as intended is recorded as done
  without a request (the output rules read its state first and send nothing).

Pure: no clock, no socket. The shell that reads OBS and carries the plan out is
`takeover.Fencing.take_over`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from timekeeper.core.outputs import Intent, Output
from timekeeper.core.programme import ObsAction, Transition


@dataclass(frozen=True)
class ObsActual:
    """OBS as read at takeover (None: that read failed, so the state is unknown)."""

    program: str | None
    streaming: bool | None
    recording: bool | None

    def running(self, output: Output) -> bool | None:
        return self.streaming if output is Output.STREAM else self.recording


@dataclass(frozen=True)
class DueScene:
    """The scene the live slot wants, with its boundary's switch key (as the log keeps it)."""

    scene: str
    key: str
    boundary_at: datetime
    transition: Transition | None = None


@dataclass(frozen=True)
class OutputStep:
    """One output action the takeover runs (`request`: OBS differs or is unknown)."""

    action: ObsAction
    key: str
    request: bool  # False: OBS is already as intended; recorded as done, nothing sent
    starts: bool


@dataclass(frozen=True)
class TakeoverPlan:
    """What the new driver does, in order: `stops`, then `switch`, then `starts`; `kept` says
    (for the log and the panel) what it leaves as it is, and why."""

    switch: DueScene | None
    stops: tuple[OutputStep, ...] = ()
    starts: tuple[OutputStep, ...] = ()
    kept: tuple[str, ...] = ()
    adopt: DueScene | None = None  # already on program: taken as the desired scene, not sent

    @property
    def requests(self) -> int:
        """The requests that change OBS (a switch, each start or stop sent)."""
        sends = sum(1 for s in (*self.stops, *self.starts) if s.request)
        return sends + (self.switch is not None)


def reconcile(
    actual: ObsActual,
    due: DueScene | None,
    intents: Mapping[Output, Intent],
    done_keys: Collection[str],
) -> TakeoverPlan:
    """Only the requests still needed to bring OBS to the due slot (see the module docstring)."""
    kept: list[str] = []
    switch = adopt = None
    if due is not None:
        if actual.program == due.scene:
            adopt = due
            kept.append(f"{due.scene} is already on program")
        elif due.key in done_keys:
            kept.append(
                f"{due.scene} was switched by the previous driver; {actual.program} is on "
                "program now (a hand switch, kept until the next boundary)"
            )
        else:
            switch = due
    stops: list[OutputStep] = []
    starts: list[OutputStep] = []
    for output in Output:
        intent = intents.get(output)
        if intent is None:
            continue
        now = actual.running(output)
        if intent.key in done_keys:
            if now is not None and now != intent.running:
                state = "running" if now else "not running"
                kept.append(f"{output.value} is {state}, but {intent.key} was done: not repeated")
            continue
        step = OutputStep(intent.action, intent.key, now != intent.running, intent.running)
        (starts if intent.running else stops).append(step)
    return TakeoverPlan(switch, tuple(stops), tuple(starts), tuple(kept), adopt)
