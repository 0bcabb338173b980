"""The headless front end of a run: one JSON object per line on stdout, no Textual.

Runs the show until its last slot ends, or SIGINT/SIGTERM (exit 0 either way);
a closed pipe stops the run quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable, Mapping
from datetime import tzinfo
from functools import partial
from typing import IO

from timekeeper.app.run import Runtime
from timekeeper.core.engine import ShowEvent
from timekeeper.errors import TimekeeperError
from timekeeper.show.changes import ChangeCheck, ChangeKind
from timekeeper.show.notices import Notice
from timekeeper.show.programme_notices import (
    ChangeOffered,
    ProgrammeEdited,
    ProgrammeInvalid,
    ProgrammeRefused,
    ProgrammeUnchanged,
)
from timekeeper.show.revisions import accept


class JsonLines:
    """One JSON object per line, flushed at once; a closed pipe stops the run quietly."""

    def __init__(self, stream: IO[str], on_closed: Callable[[], None]) -> None:
        self.stream = stream
        self.on_closed = on_closed
        self.closed = False

    def write(self, data: Mapping[str, object]) -> None:
        if self.closed:
            return
        try:
            self.stream.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self.closed = True
            with contextlib.suppress(OSError, ValueError):  # no error again at exit's flush
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            self.on_closed()

    def events(self, events: list[ShowEvent], tz: tzinfo) -> None:
        """Show events with their instants in the event's timezone (as --at reads them)."""
        for event in events:
            self.write({**event.to_json(), "at": event.at.astimezone(tz).isoformat()})

    def notice(self, note: Notice, runtime: Runtime) -> None:
        """A notice as its JSON line (an edit offered is answered by `on_change`; the update
        of a repeated alarm's line is left out: the line it updates was written)."""
        if isinstance(note, ChangeOffered):
            on_change(runtime, note.check)
        elif not note.update:
            now = runtime.session.clock.now()
            self.write(note.to_json(runtime.programme.tz, now))


def on_change(runtime: Runtime, check: ChangeCheck) -> None:
    """An edit of the programme file: accepted with --accept-changes, else reported."""
    if check.kind is ChangeKind.INVALID:
        runtime.tell(ProgrammeInvalid(path=check.path, errors=list(check.lines)))
    elif check.kind is ChangeKind.REFUSED:
        runtime.tell(ProgrammeRefused(path=check.path, reason=" ".join(check.lines)))
    elif check.kind is ChangeKind.UNCHANGED:
        runtime.tell(ProgrammeUnchanged(path=check.path))
    elif not runtime.options.accept_changes:
        runtime.tell(
            ProgrammeEdited(
                path=check.path,
                lines=list(check.lines),
                message="not accepted: the show goes on with its plan (--accept-changes accepts)",
            )
        )
    else:
        assert check.programme is not None
        try:
            accept(runtime, check.programme, check.data, "accept-changes")
        except TimekeeperError as exc:
            runtime.tell(ProgrammeRefused(path=check.path, reason=str(exc)))


async def run_headless(runtime: Runtime, stream: IO[str]) -> int:
    """Run the show without a dashboard until its last slot ends, or SIGINT/SIGTERM (exit 0)."""
    stop = asyncio.Event()
    out = JsonLines(stream, stop.set)
    out.write(runtime.run_started())
    runtime.session.subscribe(partial(out.events, tz=runtime.programme.tz))
    runtime.notices.subscribe(partial(out.notice, runtime=runtime))
    runtime.announce_log()
    loop = asyncio.get_running_loop()
    caught: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        caught.append(sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    show = asyncio.create_task(runtime.serve())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({show, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if show.done():
        stopped.cancel()
        show.result()  # a crash in the scheduler is not a clean end
        return 0
    show.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await show
    now = runtime.session.clock.now().astimezone(runtime.programme.tz)
    out.write({"at": now.isoformat(), "event": "stopped", "signal": ",".join(caught) or None})
    return 0
