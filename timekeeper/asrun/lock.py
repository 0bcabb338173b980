"""One show, one driver: the exclusive lock a run holds on its as-run log.

Why a lock: two `timekeeper run`s of the same log both resumed it, interleaved
their records (duplicate `seq` numbers) and both drove OBS. A run now holds an
exclusive `flock` on a sidecar file beside its log (`NAME.jsonl.lock`) for as
long as it uses the log; a second run of the same log is refused at once
(`LogInUseError`, exit 2), naming the process and host written in the lock
file. The kernel drops a `flock` when its process dies, however it dies
(SIGKILL, a power cut of the process), so a crash leaves no stale lock: the
file may stay, but the next run takes it over and rewrites it. A clean close
removes it. Readers (`report`, `find_resumable`) take no lock.

The lock belongs to the file, not to the name it was given: it is taken beside
the log's resolved path, so a second run through a symlink to the log is
refused too; and the lock file itself is opened without following a symlink
(one planted there is refused, never written through). The holder note names
the run's programme, room and mode besides its PID and host, so a refused run
can say whether the holder is this very show (stop it to resume here) or
another one (leave it alone: give this run its own log).

This module owns `LogLock` and `LogInUseError`; `resume.start_run` takes the
lock before it reads the log to resume it, and `AsRunLog.close` releases it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from timekeeper.asrun.errors import AsRunError, LogLocationError, location_message

LOCK_SUFFIX = ".lock"


class LogInUseError(AsRunError):
    """Another running timekeeper holds the as-run log (raised before the show starts)."""

    exit_code = 2


@dataclass(frozen=True)
class Owner:
    """Which show a run drives: written into its lock, compared by a refused run."""

    programme: str | None = None  # the programme file's resolved path
    room: str | None = None
    mode: str | None = None

    def describe(self) -> str:
        what = [
            f"programme {self.programme}" if self.programme else "",
            self.room and f"room {self.room!r}",
            self.mode and f"{self.mode} mode",
        ]
        return ", ".join(w for w in what if w)


@dataclass(frozen=True)
class Holder:
    """Who holds a log: written into the lock file, read back by a refused run."""

    pid: int
    host: str
    since: str | None = None  # real time the lock was taken, ISO 8601
    owner: Owner = Owner()

    def describe(self) -> str:
        since = f" since {self.since[:19].replace('T', ' ')} UTC" if self.since else ""
        show = self.owner.describe()
        return (f"{show}; " if show else "") + f"PID {self.pid} on host {self.host}{since}"


def lock_path(log_path: Path) -> Path:
    """The lock of the file `log_path` names (symlinks resolved: one file, one lock)."""
    real = log_path.expanduser().resolve()
    return real.with_name(real.name + LOCK_SUFFIX)


class LogLock:
    """An exclusive, non-blocking `flock` on `NAME.jsonl.lock`; `release()` (idempotent) ends it."""

    def __init__(self, log_path: Path, path: Path, fd: int) -> None:
        self.log_path = log_path
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(
        cls, log_path: Path, since: datetime | None = None, owner: Owner | None = None
    ) -> LogLock:
        """Take the lock of `log_path` or raise LogInUseError at once (never waits).

        `since` (the real clock's time) and `owner` (this run's show) are written
        into the lock file with the PID and host, for the message of a refused run.

        Raises LogLocationError if the lock file cannot be created (an
        unwritable folder: the log could not be written either), or is not a
        plain file (a symlink or a folder in its place).
        """
        owner = owner or Owner()
        path = lock_path(log_path)
        while True:
            fd = _open_lock(path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise LogInUseError(in_use_message(log_path, holder, owner)) from None
            except OSError as exc:
                os.close(fd)
                raise LogLocationError(location_message(path, exc)) from exc
            if _same_file(fd, path):
                break
            os.close(fd)  # the holder removed it as we opened it: lock the new one
        lock = cls(log_path, path, fd)
        lock._write_holder(since, owner)
        return lock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Remove the lock file and drop the lock (a crash drops it too, leaving the file)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            if _same_file(self._fd, self.path):
                self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None

    def _write_holder(self, since: datetime | None, owner: Owner) -> None:
        assert self._fd is not None
        when = since.astimezone(UTC).isoformat(timespec="seconds") if since else None
        data = {"pid": os.getpid(), "host": socket.gethostname(), "since": when}
        data |= {"programme": owner.programme, "room": owner.room, "mode": owner.mode}
        text = json.dumps(data) + "\n"
        with contextlib.suppress(OSError):  # the lock holds even if the note cannot be written
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode("utf-8"), 0)


def _open_lock(path: Path) -> int:
    """The lock file, opened without following a symlink; only ever a plain file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise LogLocationError(_not_plain(path, "a symlink")) from None
        raise LogLocationError(location_message(path, exc)) from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:  # a hard link: another file too
        os.close(fd)
        raise LogLocationError(_not_plain(path, "not a plain file of its own"))
    return fd


def _not_plain(path: Path, what: str) -> str:
    return (
        f"the as-run log's lock file {path} is {what}: timekeeper does not write through it. "
        "Nothing was started: remove it (no run holds a lock there), or choose another log "
        "with --log PATH"
    )


def in_use_message(log_path: Path, holder: Holder | None, mine: Owner | None = None) -> str:
    """Who holds the log, and what to do: stop the holder only if it is this very show."""
    who = holder.describe() if holder is not None else "another process"
    head = f"the as-run log {log_path} is in use by a running timekeeper: {who}."
    if holder is None:
        return (
            f"{head} One show has one driver: if that is this show, quit it first, then run "
            "this command again to resume; or give this run a log of its own with --log"
        )
    same = mine is not None and _same_show(holder.owner, mine)
    if same:
        return (
            f"{head} It is the run this command would resume (one show has one driver): "
            f"quit that run first (kill {holder.pid}), then run this command again to resume"
        )
    return (
        f"{head} That is another show's run: leave it running. Give this run a log of its "
        "own with --log PATH"
    )


def _same_show(theirs: Owner, mine: Owner) -> bool:
    """The holder is the run this command would resume: the same programme, room and kind
    of run (an older holder that did not say which show counts as it)."""
    if theirs.programme is None:
        return True
    return (theirs.programme, theirs.room, theirs.mode) == (mine.programme, mine.room, mine.mode)


def _read_holder(fd: int) -> Holder | None:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None  # the holder is between creating and writing it
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    since = data.get("since")
    host = str(data.get("host", "?"))

    def text(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) else None

    owner = Owner(text("programme"), text("room"), text("mode"))
    return Holder(int(data["pid"]), host, since if isinstance(since, str) else None, owner)


def _same_file(fd: int, path: Path) -> bool:
    """True while `path` still names the file open on `fd` (not removed or replaced)."""
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
