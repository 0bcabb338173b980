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

This module owns `LogLock` and `LogInUseError`; `resume.start_run` takes the
lock before it reads the log to resume it, and `AsRunLog.close` releases it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from timekeeper.asrun.errors import AsRunError, LogLocationError, location_message

LOCK_SUFFIX = ".lock"


class LogInUseError(AsRunError):
    """Another running timekeeper holds the as-run log (raised before the show starts)."""

    exit_code = 2


@dataclass(frozen=True)
class Holder:
    """Who holds a log: written into the lock file, read back by a refused run."""

    pid: int
    host: str
    since: str | None = None  # real time the lock was taken, ISO 8601

    def describe(self) -> str:
        since = f" since {self.since[:19].replace('T', ' ')} UTC" if self.since else ""
        return f"PID {self.pid} on host {self.host}{since}"


def lock_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + LOCK_SUFFIX)


class LogLock:
    """An exclusive, non-blocking `flock` on `NAME.jsonl.lock`; `release()` (idempotent) ends it."""

    def __init__(self, log_path: Path, path: Path, fd: int) -> None:
        self.log_path = log_path
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, log_path: Path, since: datetime | None = None) -> LogLock:
        """Take the lock of `log_path` or raise LogInUseError at once (never waits).

        `since` (the real clock's time) is written into the lock file with the
        PID and host, for the message of a refused run.

        Raises LogLocationError if the lock file cannot be created (an
        unwritable folder: the log could not be written either).
        """
        path = lock_path(log_path)
        while True:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise LogLocationError(location_message(path, exc)) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise LogInUseError(in_use_message(log_path, holder)) from None
            except OSError as exc:
                os.close(fd)
                raise LogLocationError(location_message(path, exc)) from exc
            if _same_file(fd, path):
                break
            os.close(fd)  # the holder removed it as we opened it: lock the new one
        lock = cls(log_path, path, fd)
        lock._write_holder(since)
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

    def _write_holder(self, since: datetime | None) -> None:
        assert self._fd is not None
        when = since.astimezone(UTC).isoformat(timespec="seconds") if since else None
        data = {"pid": os.getpid(), "host": socket.gethostname(), "since": when}
        text = json.dumps(data) + "\n"
        with contextlib.suppress(OSError):  # the lock holds even if the note cannot be written
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode("utf-8"), 0)


def in_use_message(log_path: Path, holder: Holder | None) -> str:
    who = holder.describe() if holder is not None else "another process"
    kill = f" (kill {holder.pid})" if holder is not None else ""
    return (
        f"the as-run log {log_path} is in use by a running timekeeper: {who}. "
        f"One show has one driver: quit that run first{kill}, then run this command again "
        "to resume; or give this run a log of its own with --log"
    )


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
    return Holder(int(data["pid"]), host, since if isinstance(since, str) else None)


def _same_file(fd: int, path: Path) -> bool:
    """True while `path` still names the file open on `fd` (not removed or replaced)."""
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
