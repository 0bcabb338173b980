"""The programme file watched while the show runs: a runtime service.

Owns `ProgrammeWatch`: `watchfiles` reports changes to the file's folder
(editors save by writing a new file and renaming it over the old, so the folder
is watched and filtered to the file's name); each change is read only once the
file has stood still for `SETTLE_S` (`Settle`: a slow save's prefix that ends on a
slot boundary is valid YAML, and must not be taken for the edit), then checked by
`changes.check_file` and told the front ends as a `ChangeOffered` notice — the
dashboard's dialog and `--accept-changes` alike. `reread()` is the p key's handle.
A re-read asked for by hand (`recheck`) reads at once. The same content is
reported once, however many events an editor's save produces. A symlinked
programme is watched as given: an edit of its target and a re-pointing of the
link are both seen (the link's folder and the target's are watched). A run
resumed with an edited file is offered that change as soon as the service starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from timekeeper.show.changes import ChangeCheck, ChangeKind, check_file
from timekeeper.show.notices import NoticeStream
from timekeeper.show.programme_notices import (
    ChangeOffered,
    ProgrammeSettling,
    ProgrammeWatchFailed,
    ProgrammeWatching,
)
from timekeeper.show.session import ShowSession

log = logging.getLogger(__name__)
DEBOUNCE_MS = 150  # an editor's save is several events within a few ms: one change
# How often the watch thread looks up from the kernel's events (to see it is being stopped):
# each look takes the GIL from the show's loop, so rarely (watchfiles' default is 50 ms).
STEP_MS = 250
#: How long the file must stand still before it is read as the edit (seconds). A save of a
#: programme takes milliseconds; a copy over a slow share, or an editor's autosave of a
#: long file, may pause between writes. TIMEKEEPER_EDIT_SETTLE_S changes it.
SETTLE_S = float(os.environ.get("TIMEKEEPER_EDIT_SETTLE_S", "1.0"))
#: How often a settling file is looked at again.
LOOK_S = 0.2

Signature = tuple[int, int, int, int, str] | None  # device, inode, size, mtime, digest


class Settle:
    """Sans-I/O: is the file still being written? Looks in (instant, signature), verdicts out.

    The file counts as whole once its signature (inode, size, mtime, and the digest of its
    bytes) has not changed for `quiet` seconds; `seen` answers how long to wait before
    looking again, or None once it has settled.
    """

    def __init__(self, quiet: float = SETTLE_S, look: float = LOOK_S) -> None:
        self.quiet = quiet
        self.look = look
        self._since: float | None = None
        self._last: Signature = None

    def seen(self, now: float, signature: Signature) -> float | None:
        if self._since is None or signature != self._last:
            self._since, self._last = now, signature
        still = now - self._since
        if still >= self.quiet:
            return None
        return min(self.look, self.quiet - still)


def signature(path: Path) -> Signature:
    """What changes when the file does (its target's, through a symlink); None if unreadable."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            digest = hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, digest)


def _target(path: Path) -> Path:
    """Where a symlink points now (the path itself when it is none)."""
    return Path(os.path.realpath(path))


class ProgrammeWatch:
    name = "programme_watch"

    def __init__(
        self,
        session: ShowSession,
        notices: NoticeStream,
        path: Path,
        *,
        offered: bool = False,
        force_polling: bool | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        quiet: float | None = None,
    ) -> None:
        self.session = session
        self.notices = notices
        self.offered = offered  # resumed with an edited file: offered as the watch starts
        # as given (never resolved): a symlink stays one, so re-pointing it is seen
        self.path = Path(os.path.abspath(path))
        self.force_polling = force_polling
        self.monotonic = monotonic  # real time, never the show's clock (a rehearsal runs fast)
        self.sleep = sleep
        self.quiet = SETTLE_S if quiet is None else quiet
        self._settled: Signature = None  # the file as the last wait left it
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._last: tuple[object, ...] | None = None  # what was reported last, and its save

    async def start(self, runtime: object = None) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._watch(), name="programme-watch")
        await asyncio.sleep(0)  # the watch is set up before the front end hears it is on
        self.notices.tell(
            ProgrammeWatching(
                path=str(self.path), message=f"watching {self.path} for edits (p re-reads it)"
            )
        )
        if self.offered:  # resumed with an edited file: offer the change now
            self.recheck()

    def reread(self) -> ChangeCheck:
        """The p key: check the file now, and say so even if it is what was said last."""
        return self.recheck(by_hand=True)

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        from watchfiles import Change, awatch  # deferred: a compiled extension, once started

        assert self._stop is not None
        try:
            while not self._stop.is_set():
                target = _target(self.path)

                def ours(change: Change, path: str, target: Path = target) -> bool:
                    changed = Path(os.path.abspath(path))
                    return change is not Change.deleted and (
                        changed == self.path or changed == target or _target(changed) == target
                    )

                folders = sorted({self.path.parent, target.parent})
                async for _ in awatch(
                    *folders,
                    watch_filter=ours,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=self._stop,
                    force_polling=self.force_polling,
                    recursive=False,
                ):
                    try:
                        await self.settled()
                        self.recheck()
                    except Exception as exc:  # the show goes on; the diagnostics log has it
                        self.session.failed("the programme watch", exc)
                    if _target(self.path).parent != target.parent:
                        break  # the link points into another folder now: watch that one
        except (OSError, RuntimeError) as exc:
            error = f"{exc}; press p to re-read the programme by hand"
            self.notices.tell(ProgrammeWatchFailed(error=error))

    async def settled(self) -> None:
        """Return once the file has stood still for `quiet` seconds (a slow save is over)."""
        settle = Settle(self.quiet)
        now = signature(self.path)
        wait = settle.seen(self.monotonic(), now)
        if wait is None or (now is not None and now == self._settled):
            return  # still, or the events of a save already waited for
        self.notices.tell(
            ProgrammeSettling(
                path=str(self.path),
                message=f"{self.path.name} changed: read once it has stood still for "
                f"{self.quiet:g} s",
            )
        )
        while wait is not None:
            await self.sleep(wait)
            now = signature(self.path)
            wait = settle.seen(self.monotonic(), now)
        self._settled = now

    def recheck(self, by_hand: bool = False) -> ChangeCheck:
        """Check the file now; tell the front end unless it is what was reported last."""
        check = check_file(self.session, self.path)
        # the save, not only its bytes: the same typo saved again (after a fix this watch may
        # not have seen: one made while a restarted run was still starting) is said again
        saved = signature(self.path)
        key = (check.kind, check.digest, check.lines, saved[:4] if saved is not None else None)
        if not by_hand and (key == self._last or check.kind is ChangeKind.UNCHANGED):
            self._last = key
            return check
        self._last = key
        self.notices.tell(ChangeOffered(check=check))
        return check
