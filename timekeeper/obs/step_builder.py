"""The bookkeeping of a sans-I/O OBS machine: one input at a time becomes one `Step`.

Owns the step being built (the status snapshot as the rules change it, the
commands in order) and the input's `Moment`; a machine subclasses it, calls
`_begin` at the top of each input and returns `_end()`. It must not hold any
rule of its own.
"""

from __future__ import annotations

from datetime import datetime

from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Command, Emit, Moment, Step
from timekeeper.obs.status import ObsStatus


class StepBuilder:
    """Collects the status and the commands of the input being handled."""

    def __init__(self) -> None:
        self._moment: Moment | None = None
        self._step_status: ObsStatus | None = None
        self._commands: list[Command] = []

    def _begin(self, m: Moment) -> None:
        self._moment = m
        self._step_status = m.status
        self._commands = []

    def _end(self, job: int | None = None) -> Step:
        status = self._status
        commands = tuple(self._commands)
        self._moment = self._step_status = None
        self._commands = []
        return Step(status, commands, job)

    @property
    def _now(self) -> datetime:
        assert self._moment is not None
        return self._moment.now

    @property
    def _connected(self) -> bool:
        assert self._moment is not None
        return self._moment.connected

    @property
    def _status(self) -> ObsStatus:
        assert self._step_status is not None
        return self._step_status

    def _put(self, status: ObsStatus) -> None:
        self._step_status = status

    def _do(self, command: Command) -> None:
        self._commands.append(command)

    def _emit(self, event: ev.ObsEvent) -> None:
        self._do(Emit(event))
