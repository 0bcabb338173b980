"""The standby's faithful copy of the driver's as-run log, on this machine's disk.

Owns the copy file: lines are appended exactly as the driver wrote them (one write and
one fsync per batch, as the log itself does), so the copy is the same file byte for byte
and the existing resume path (`timekeeper.asrun.start_run` / `resume`) can resume it at
takeover; the programme versions it names are kept beside it (`programmes/<sha>.yaml`,
timekeeper.asrun.versions). Opening an existing copy (a standby restarted) drops a cut-off
last line and goes on from its last seq; a copy of another log is set aside, never
overwritten. The copy's `LogLock` is held while copying, so no run writes it meanwhile;
`close()` releases it (before a takeover resumes the copy).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

from timekeeper.asrun import versions
from timekeeper.asrun.lock import LogLock
from timekeeper.rooms.replica_wire import SHA256, lines_from, record_of, versions_named


class CopyFile:
    """An append-only copy: `write` lines in seq order, `keep_version` programme bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock: LogLock | None = LogLock.acquire(path)
        self.header: bytes | None = None
        self.next_seq = 0
        self.ended = False
        self.closed = False  # the last record is the driver's `close`: its run is over
        self.missing: set[str] = set()  # versions the copy names but does not hold yet
        self._io = threading.Lock()  # the file's I/O: a write may run in a worker thread
        self.generation = 0  # counts set-asides: a write begun before one is not noted after
        self._fd = self._open()

    def _open(self) -> int:
        """Open (or create) the file, dropping a cut-off last line; read where it stands."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            os.ftruncate(fd, keep)
            os.fsync(fd)
        for _, line in lines_from(data[:keep], 0):
            self._note(line)
        return fd

    def _note(self, line: bytes) -> None:
        rec = record_of(line)
        if rec is None:
            return
        seq = rec["seq"]
        if seq == 0:
            self.header = line
        self.next_seq = max(self.next_seq, seq + 1)
        self.closed = rec.get("record") == "close"  # (a restarted driver writes on after it)
        kind = rec.get("event")
        if kind == "show_ended":
            self.ended = True
        elif kind == "back":
            self.ended = False
        for sha in versions_named(rec):
            if not versions.path_of(self.path, sha).exists():
                self.missing.add(sha)

    def write(self, lines: tuple[bytes, ...]) -> None:
        """Append lines (in seq order, each ending in a newline) durably: the I/O only, safe
        in a worker thread (the event loop then calls `noted`)."""
        with self._io:
            view = memoryview(b"".join(lines))
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)

    def noted(self, lines: tuple[bytes, ...]) -> None:
        """Lines `write` put on disk: where the copy stands now."""
        for line in lines:
            self._note(line)

    def keep_version(self, sha256: str, data: bytes) -> bool:
        """Keep a programme version beside the copy if it is what its name says."""
        if not SHA256.fullmatch(sha256) or hashlib.sha256(data).hexdigest() != sha256:
            return False
        if versions.path_of(self.path, sha256).exists():
            return True
        versions.store(self.path, data)
        self.missing.discard(sha256)
        return True

    def set_aside(self) -> Path:
        """The copy is of another log: rename it out of the way and begin an empty one."""
        n = 1
        while True:
            aside = self.path.with_name(f"{self.path.stem}.set-aside-{n}{self.path.suffix}")
            if not aside.exists():
                break
            n += 1
        with self._io:  # after a write under way in a worker thread
            self.path.rename(aside)
            os.close(self._fd)
        self.header, self.next_seq, self.ended, self.missing = None, 0, False, set()
        self.closed = False
        self.generation += 1
        self._fd = self._open()
        return aside

    def close(self) -> None:
        with self._io, contextlib.suppress(OSError):
            os.close(self._fd)
        if self.lock is not None:
            self.lock.release()
            self.lock = None
