"""The plumbing the controller's parts share: one status snapshot, one event sink, one task set.

Owns the `ObsStatus` snapshot that every part updates
(`ctx.status = replace(ctx.status, ...)`, which mypy checks field by field), the
reporting of `ObsEvent`s to the log and the `on_event` callback (`emit`; `now` is
the injected clock's instant that stamps them), and the background tasks every
part starts (`spawn`: into the controller's one TaskGroup), so that stopping
the controller cancels them all at once. It must not decide
anything about OBS: connecting, switching, actions and texts live in their own
modules (`connection`, `switcher`, `outputs`, `texts`, `preview`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from typing import Any

from timekeeper.core.clock import Clock
from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Command, Emit, Moment, Step
from timekeeper.obs.port import ObsPort
from timekeeper.obs.status import ObsStatus

# One logger for the whole controller, as before the split: log files keep their names.
log = logging.getLogger("timekeeper.obs.controller")


class ObsContext:
    """What the connection supervisor, scene switcher, output actions, texts and preview share."""

    def __init__(
        self,
        port: ObsPort | None,
        *,
        clock: Clock,
        status: ObsStatus,
        on_event: Callable[[ev.ObsEvent], None] | None,
    ) -> None:
        self.port = port
        self.clock = clock
        self.status = status
        self.on_event = on_event
        self.tasks: set[asyncio.Task[Any]] = set()
        self.group: asyncio.TaskGroup | None = None  # the driver's, while it runs
        self.stopping = False

    def now(self) -> datetime:
        """The injected clock's instant (every event is stamped with it)."""
        return self.clock.now()

    def emit(self, event: ev.ObsEvent) -> None:
        """Log `event` and pass it to `on_event` (a failing callback is logged, never raised)."""
        if event.alarm:
            log.warning("%s", event.message)
        else:
            log.info("%s", event.message)
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("on_event callback failed for %s", event.kind)

    def moment(self) -> Moment:
        """What a sans-I/O part is told with each input (see `machine_messages.Moment`)."""
        port = self.port
        return Moment(self.now(), self.status, port is not None and port.connected)

    def apply(self, step: Step) -> list[Command]:
        """A sans-I/O part's step: its status, then its events; returns the other commands
        for the part's own driver to carry out (none for the scene watch)."""
        self.status = step.status
        rest: list[Command] = []
        for command in step.commands:
            if isinstance(command, Emit):
                self.emit(command.event)
            else:
                rest.append(command)
        return rest

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[None] | None:
        """Run in the background, in the driver's TaskGroup once it runs (see `controller`);
        errors are logged and recorded, never raised. None when the group is shutting down."""
        guarded = self._guarded(coro)
        group = self.group
        try:
            task = (
                group.create_task(guarded) if group is not None else asyncio.ensure_future(guarded)
            )
        except RuntimeError:  # the group is shutting down: the controller stops
            guarded.close()
            return None
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(lambda _: coro.close())  # cancelled before it began: no warning
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except Exception as exc:
            log.error("OBS background task failed", exc_info=exc)
            self.status = replace(self.status, last_error=f"internal error: {exc}")
