"""The as-run log: an append-only JSON Lines record of one run of the show.

Why JSON Lines with one fsync per record: the log is what a restart after a
crash (SIGKILL, a closed terminal, a dead laptop battery) rebuilds the show
from, so a record the show has acted on must be on disk before the show goes
on. Appending whole lines means a crash can only ever cut off the *last* line,
which the reader drops with a warning. The format, every record kind and where
logs live are documented in docs/as-run-log.md.

A write failure mid-show never crashes the show: the records stay in memory,
`health` says what is wrong (and `on_health` tells the dashboard), and every
later append (or `retry()`) tries again, so nothing is lost once the disk is
back. Opening the log, by contrast, fails loudly before the show starts.

This module owns that writer (`AsRunLog`, `LogHealth`). The run header and
where logs live are in `header`, reading a log back in `reader`, the encoding
of records in `encoding`, the errors in `errors`, the run's exclusive lock on
its log in `lock`; their names stay importable from here.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from timekeeper.asrun.encoding import Recordable, SupportsToJson, as_record, json_default
from timekeeper.asrun.errors import (
    AsRunError,
    LogFormatError,
    LogLocationError,
    LogMismatchError,
    LogWriteError,
    location_message,
    reason,
)
from timekeeper.asrun.header import (
    LOG_VERSION,
    RUNS_DIR,
    SLUG_MAX,
    RunHeader,
    default_log_path,
    latest_in_series,
    next_in_series,
    numbered,
    run_kind,
    slug,
)
from timekeeper.asrun.lock import LogInUseError, LogLock
from timekeeper.asrun.reader import LogContents, read_log
from timekeeper.asrun.rescue import write_rescue
from timekeeper.core.clock import Clock

__all__ = [
    "LOG_VERSION",
    "RUNS_DIR",
    "SLUG_MAX",
    "AsRunError",
    "AsRunLog",
    "HealthListener",
    "LogContents",
    "LogFormatError",
    "LogHealth",
    "LogInUseError",
    "LogLocationError",
    "LogMismatchError",
    "LogWriteError",
    "Recordable",
    "RunHeader",
    "SupportsToJson",
    "as_record",
    "default_log_path",
    "latest_in_series",
    "next_in_series",
    "numbered",
    "read_log",
    "run_kind",
    "slug",
]


@dataclass(frozen=True)
class LogHealth:
    """What the dashboard shows about the log: fine, or failing with records kept in memory."""

    path: Path
    ok: bool
    pending: int = 0  # records not yet on disk
    error: str | None = None
    since: datetime | None = None  # show time of the first failure

    def describe(self) -> str:
        if self.ok:
            return f"as-run log: {self.path}"
        return (
            f"as-run log NOT SAVING to {self.path} since {self.since:%H:%M:%S}: {self.error}; "
            f"{self.pending} record(s) kept in memory, retrying"
        )


HealthListener = Callable[[LogHealth], None]
WrittenListener = Callable[[Sequence[bytes]], None]  # lines on disk, in order (issue 24)


class AsRunLog:
    """Appends records to one run's log: one write() of a whole line, then fsync, per record.

    Create with `AsRunLog.create` (a new run: writes the header) or
    `AsRunLog.reopen` (a resumed run: appends). Attach `record_events` to
    `ShowSession.subscribe`; call `append` for anything else (OBS events as
    dicts), `retry` now and then while `health.ok` is False, and `close` at
    the end.
    """

    def __init__(
        self,
        path: Path,
        fd: int,
        *,
        clock: Clock,
        real_clock: Clock,
        size: int,
        next_seq: int,
        on_health: HealthListener | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.real_clock = real_clock
        self.on_health = on_health
        self._fd: int | None = fd
        self._synced = size  # bytes known to be on disk
        self._dirty = False  # bytes past _synced may be a fragment of a failed write
        self._seq = next_seq
        self._pending: list[bytes] = []
        self._error: str | None = None
        self._since: datetime | None = None
        self._delayed = 0
        self._closed = False
        self.lock: LogLock | None = None  # held while the run uses the log; released by close()
        self._written: list[WrittenListener] = []

    # ------------------------------------------------------------ opening

    @classmethod
    def create(
        cls,
        path: Path,
        header: RunHeader,
        *,
        clock: Clock,
        real_clock: Clock,
        on_health: HealthListener | None = None,
    ) -> AsRunLog:
        """Create a new log (never over an existing file) and write its header durably.

        Raises LogLocationError, saying where, why and how to fix it, if the
        file cannot be created and written.
        """
        fd = _open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL)
        log = cls(path, fd, clock=clock, real_clock=real_clock, size=0, next_seq=0)
        try:
            log._write_header(header)
        except LogLocationError:
            with contextlib.suppress(OSError):
                path.unlink()  # the empty file we just created: leave no half-made run behind
            raise
        _sync_folder(path.parent)
        log.on_health = on_health
        return log

    @classmethod
    def reopen(
        cls,
        path: Path,
        *,
        clock: Clock,
        real_clock: Clock,
        next_seq: int,
        keep_bytes: int | None = None,
        header: RunHeader | None = None,
        on_health: HealthListener | None = None,
    ) -> AsRunLog:
        """Open an existing log to append to it (a resumed run).

        `keep_bytes` drops a cut-off last line first (it was never acknowledged);
        `header` is written if the file turns out empty (a crash before the
        header reached the disk).
        """
        fd = _open(path, os.O_WRONLY | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            if keep_bytes is not None and keep_bytes < size:
                os.ftruncate(fd, keep_bytes)
                os.fsync(fd)
                size = keep_bytes
        except OSError as exc:
            os.close(fd)
            raise LogLocationError(location_message(path, exc)) from exc
        log = cls(path, fd, clock=clock, real_clock=real_clock, size=size, next_seq=next_seq)
        if size == 0 and header is not None:
            log._write_header(header)
        log.on_health = on_health
        return log

    def _write_header(self, header: RunHeader) -> None:
        self.append(header.to_json())
        if not self.health.ok:
            error = self._error or "unknown error"
            self._close_fd()
            raise LogLocationError(location_message(self.path, error))

    # ------------------------------------------------------------ writing

    @property
    def health(self) -> LogHealth:
        if self._error is None:
            return LogHealth(self.path, True)
        return LogHealth(self.path, False, len(self._pending), self._error, self._since)

    def record_events(self, events: Sequence[Recordable]) -> None:
        """The ShowSession subscriber: a line per event, one fsync for the batch, before returning.

        One fsync per batch, not per line: a boundary publishes several events
        at once (slot ended, slot started, turn started), and none of them is
        acknowledged before the fsync returns.
        """
        for event in events:
            self._pending.append(self._line(event))
        self._flush()

    def append(self, item: Recordable) -> None:
        """Write one record (a ShowEvent, anything with to_json, or a dict) durably.

        Never raises on a write failure: see `health`.
        """
        self._pending.append(self._line(item))
        self._flush()

    def _line(self, item: Recordable) -> bytes:
        """The record as a JSON line, with `seq` (to drop a retried write's duplicate), `at`
        (show clock) if missing and `real_at` (real clock: anchors a pretend clock on resume)."""
        if self._closed:
            raise AsRunError(f"the as-run log {self.path} is closed")
        data = as_record(item)
        record: dict[str, object] = {"record": data.pop("record", "event"), "seq": self._seq}
        data.pop("seq", None)
        data.pop("real_at", None)
        record.update(data)
        record.setdefault("at", self.clock.now())
        record["real_at"] = self.real_clock.now()
        self._seq += 1
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=json_default)
        return line.encode("utf-8") + b"\n"

    def on_written(self, listener: WrittenListener) -> None:
        """Hand each batch of lines to `listener` once on disk, exactly as written (a standby's
        copy is made of them: rooms/replica.py). It must neither block nor raise."""
        self._written.append(listener)

    def retry(self) -> bool:
        """Try again to write the records kept in memory; True when all are on disk."""
        return self._flush()

    def close(self) -> None:
        """Write a `close` record and close the file.

        Records that still cannot be written are saved to a rescue file in the
        temporary folder and a LogWriteError says where: never lost silently; the
        next start merges them (`rescue`).
        """
        if self._closed:
            return
        try:
            self.append({"record": "close"})
            self._closed = True
            self._close_fd()
            if self._pending:
                message = write_rescue(self.path, self._pending, self._error)
                self._pending.clear()
                raise LogWriteError(message)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _flush(self) -> bool:
        if not self._pending:
            return True
        written = 0
        try:
            fd = self._ensure_open()
            if self._dirty and os.fstat(fd).st_size > self._synced:
                os.ftruncate(fd, self._synced)  # drop a fragment of a failed write
            self._dirty = True
            for line in self._pending:
                _write_all(fd, line)
                written += len(line)
            os.fsync(fd)
        except OSError as exc:
            self._fail(exc)
            return False
        self._synced += written
        self._dirty = False
        lines, self._pending = self._pending, []
        for listener in self._written:
            listener(lines)
        if self._error is not None:
            self._recover()
        return True

    def _ensure_open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self._fd

    def _fail(self, exc: OSError) -> None:
        self._close_fd()  # reopen on retry: the descriptor may be dead (disk unplugged)
        first = self._error is None
        self._error = reason(exc)
        self._delayed = max(self._delayed, len(self._pending))
        if first:
            self._since = self.clock.now()
        if first and self.on_health is not None:
            self.on_health(self.health)

    def _recover(self) -> None:
        note = {
            "record": "log_error",
            "at": self._since,
            "until": self.clock.now(),
            "error": self._error,
            "records": self._delayed,
        }
        self._error, self._since, self._delayed = None, None, 0
        self.append(note)
        if self.on_health is not None:
            self.on_health(self.health)

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _write_all(fd: int, line: bytes) -> None:
    """One write() of the whole line (looping only if the kernel took part of it)."""
    view = memoryview(line)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _open(path: Path, flags: int) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o644)
    except OSError as exc:
        raise LogLocationError(location_message(path, exc)) from exc


def _sync_folder(folder: Path) -> None:
    """Make the new file's name durable too (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
