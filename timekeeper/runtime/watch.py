"""The programme file watched while the show runs: a runtime service.

Owns `ProgrammeWatch`: `watchfiles` reports changes to the file's folder
(editors save by writing a new file and renaming it over the old, so the folder
is watched and filtered to the file's name); each change, and each re-read
asked for by hand (`recheck`), is checked by `changes.check_file` and handed to
the front end's change listeners (`Runtime.change_listeners`). The same content
is reported once, however many events an editor's save produces. A run resumed
with an edited file is offered that change as soon as the service starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from timekeeper.runtime.changes import ChangeCheck, ChangeKind, check_file
from timekeeper.runtime.run import Runtime

log = logging.getLogger(__name__)
DEBOUNCE_MS = 150  # an editor's save is several events within a few ms: one change
# How often the watch thread looks up from the kernel's events (to see it is being stopped):
# each look takes the GIL from the show's loop, so rarely (watchfiles' default is 50 ms).
STEP_MS = 250


class ProgrammeWatch:
    name = "programme_watch"

    def __init__(self, runtime: Runtime, path: Path, *, force_polling: bool | None = None) -> None:
        self.runtime = runtime
        self.path = path.resolve()
        self.force_polling = force_polling
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._last: tuple[ChangeKind, str | None, tuple[str, ...]] | None = None

    async def start(self, runtime: Runtime) -> None:
        runtime.reread = lambda: self.recheck(by_hand=True)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._watch(), name="programme-watch")
        await asyncio.sleep(0)  # the watch is set up before the front end hears it is on
        runtime.notice(
            "programme_watch",
            path=str(self.path),
            message=f"watching {self.path} for edits (p re-reads it)",
        )
        if runtime.offered is not None:  # resumed with an edited file: offer the change now
            self.recheck()

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        from watchfiles import Change, awatch

        def ours(change: Change, path: str) -> bool:
            return change is not Change.deleted and Path(path).resolve() == self.path

        assert self._stop is not None
        try:
            async for _ in awatch(
                self.path.parent,
                watch_filter=ours,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self._stop,
                force_polling=self.force_polling,
                recursive=False,
            ):
                try:
                    self.recheck()
                except Exception as exc:  # the show goes on; the diagnostics log has it
                    self.runtime.session.failed("the programme watch", exc)
        except (OSError, RuntimeError) as exc:
            self.runtime.notice(
                "programme_watch_failed", error=f"{exc}; press p to re-read the programme by hand"
            )

    def recheck(self, by_hand: bool = False) -> ChangeCheck:
        """Check the file now; tell the front end unless it is what was reported last."""
        check = check_file(self.runtime.session, self.path)
        key = (check.kind, check.digest, check.lines)
        if not by_hand and (key == self._last or check.kind is ChangeKind.UNCHANGED):
            self._last = key
            return check
        self._last = key
        for listener in list(self.runtime.change_listeners):
            try:
                listener(check)
            except Exception as exc:
                self.runtime.session.failed("a programme change listener", exc)
        return check


def watch_service(runtime: Runtime) -> ProgrammeWatch:
    return ProgrammeWatch(runtime, runtime.options.programme)
