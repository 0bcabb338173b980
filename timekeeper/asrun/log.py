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
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from timekeeper import __version__
from timekeeper.core.clock import Clock
from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import Programme
from timekeeper.errors import TimekeeperError

LOG_VERSION = 1
SLUG_MAX = 32  # keeps file names readable: "how-artificial-intelligence"
RUNS_DIR = "runs"


# ---------------------------------------------------------------- errors


class AsRunError(TimekeeperError):
    """Something is wrong with an as-run log."""


class LogLocationError(AsRunError):
    """The log cannot be created or opened where asked (raised before the show starts)."""

    exit_code = 2


class LogFormatError(AsRunError):
    """The file is not an as-run log this version of timekeeper can read."""

    exit_code = 2


class LogMismatchError(AsRunError):
    """The log belongs to another programme version (or another kind of run)."""

    exit_code = 2


class LogWriteError(AsRunError):
    """Records could not be written even at the end of the run (they were rescued elsewhere)."""


# ---------------------------------------------------------------- header


@dataclass(frozen=True)
class RunHeader:
    """The first record of every log: which programme, which kind of run, which clocks."""

    programme: str  # path relative to the log folder's parent ("programme.yaml" for runs/)
    programme_path: str  # absolute, in case the log is moved away from the programme
    programme_sha256: str | None
    event: str
    event_date: str
    timezone: str
    rehearsal: bool
    mode: str  # live | dress | dry
    simulated: bool  # the show clock was a pretend clock (--at/--speed)
    speed: float
    started_at: datetime  # show clock
    real_started_at: datetime  # real clock
    timekeeper: str = __version__
    v: int = LOG_VERSION

    def to_json(self) -> dict[str, object]:
        return {
            "record": "run",
            "v": self.v,
            "programme": self.programme,
            "programme_path": self.programme_path,
            "programme_sha256": self.programme_sha256,
            "event": self.event,
            "event_date": self.event_date,
            "timezone": self.timezone,
            "rehearsal": self.rehearsal,
            "mode": self.mode,
            "simulated": self.simulated,
            "speed": self.speed,
            "started_at": self.started_at.isoformat(),
            "real_started_at": self.real_started_at.isoformat(),
            "timekeeper": self.timekeeper,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str) -> RunHeader:
        try:
            sha = data.get("programme_sha256")
            return cls(
                programme=str(data["programme"]),
                programme_path=str(data.get("programme_path", data["programme"])),
                programme_sha256=str(sha) if sha is not None else None,
                event=str(data.get("event", "")),
                event_date=str(data.get("event_date", "")),
                timezone=str(data.get("timezone", "UTC")),
                rehearsal=bool(data["rehearsal"]),
                mode=str(data["mode"]),
                simulated=bool(data.get("simulated", data["rehearsal"])),
                speed=float(data.get("speed", 1.0)),
                started_at=datetime.fromisoformat(str(data["started_at"])),
                real_started_at=datetime.fromisoformat(str(data["real_started_at"])),
                timekeeper=str(data.get("timekeeper", "?")),
                v=int(data.get("v", LOG_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LogFormatError(f"{where}: the run header is invalid ({exc})") from exc

    @classmethod
    def for_run(
        cls,
        programme: Programme,
        log_path: Path,
        *,
        clock: Clock,
        real_clock: Clock,
        mode: str,
        rehearsal: bool,
    ) -> RunHeader:
        """The header of a new run of `programme` logged at `log_path`."""
        source = Path(programme.source).resolve() if programme.source else None
        return cls(
            programme=_relative(source, log_path) if source else "",
            programme_path=str(source) if source else "",
            programme_sha256=programme.digest,
            event=programme.event.title,
            event_date=programme.event.date.isoformat(),
            timezone=programme.event.timezone,
            rehearsal=rehearsal,
            mode=mode,
            simulated=clock.simulated,
            speed=clock.speed,
            started_at=clock.now(),
            real_started_at=real_clock.now(),
        )

    def programme_candidates(self, log_path: Path) -> list[Path]:
        """Where the programme may be: beside the log's folder first (logs move with it)."""
        out = []
        if self.programme:
            rel = Path(self.programme)
            out.append(rel if rel.is_absolute() else log_path.resolve().parent.parent / rel)
        if self.programme_path:
            out.append(Path(self.programme_path))
        return out


def _relative(source: Path, log_path: Path) -> str:
    return os.path.relpath(source, log_path.resolve().parent.parent)


# ---------------------------------------------------------------- where logs live


def slug(title: str, limit: int = SLUG_MAX) -> str:
    """A file-name-safe, lowercase, ASCII form of a title, cut at a word boundary."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit and out:
            break
        out = candidate[:limit]
    return out or "event"


def run_kind(mode: str, rehearsal: bool) -> str:
    """The last word of a log's name: `live` for the show itself, else a rehearsal's kind."""
    if not rehearsal:
        return "live"
    return "rehearsal" if mode == "live" else f"{mode}-rehearsal"


def default_log_path(programme: Programme, mode: str, rehearsal: bool) -> Path:
    """runs/DATE-SLUG-KIND.jsonl beside the programme file (or the working folder)."""
    folder = Path(programme.source).resolve().parent if programme.source else Path.cwd()
    name = f"{programme.event.date.isoformat()}-{slug(programme.event.title)}"
    return folder / RUNS_DIR / f"{name}-{run_kind(mode, rehearsal)}.jsonl"


def numbered(path: Path, n: int) -> Path:
    """The n-th run logged at `path`: the first is `path` itself, then NAME-2.jsonl, ..."""
    return path if n <= 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def latest_in_series(path: Path) -> tuple[Path, int] | None:
    """The newest existing run of the series that starts at `path`, with its number."""
    found: tuple[Path, int] | None = (path, 1) if path.exists() else None
    pattern = re.compile(re.escape(path.stem) + r"-(\d+)" + re.escape(path.suffix) + "$")
    if path.parent.is_dir():
        for other in path.parent.iterdir():
            m = pattern.match(other.name)
            if m and int(m.group(1)) > 1 and (found is None or int(m.group(1)) > found[1]):
                found = (other, int(m.group(1)))
    return found


def next_in_series(path: Path) -> Path:
    """A path for a new run of the series that starts at `path` (never an existing file)."""
    latest = latest_in_series(path)
    return path if latest is None else numbered(path, latest[1] + 1)


# ---------------------------------------------------------------- encoding


class SupportsToJson(Protocol):
    def to_json(self) -> dict[str, object]: ...


Recordable = ShowEvent | SupportsToJson | Mapping[str, object]


def _default(value: object) -> object:
    """JSON for what OBS and engine events carry; anything else as text, never an exception."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def as_record(item: Recordable) -> dict[str, object]:
    """A ShowEvent (or anything with to_json, or a mapping) as the fields of a log record."""
    if isinstance(item, Mapping):
        return dict(item)
    data = dict(item.to_json())
    data.setdefault("record", "event")
    return data


# ---------------------------------------------------------------- writer


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
            raise LogLocationError(_location_message(path, exc)) from exc
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
            raise LogLocationError(_location_message(self.path, error))

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
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_default)
        return line.encode("utf-8") + b"\n"

    def retry(self) -> bool:
        """Try again to write the records kept in memory; True when all are on disk."""
        return self._flush()

    def close(self) -> None:
        """Write a `close` record and close the file.

        Records that still cannot be written are saved to a rescue file in the
        temporary folder and a LogWriteError says where: never lost silently.
        """
        if self._closed:
            return
        self.append({"record": "close"})
        self._closed = True
        self._close_fd()
        if self._pending:
            raise LogWriteError(self._rescue())

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
        self._pending.clear()
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
        self._error = _reason(exc)
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

    def _rescue(self) -> str:
        count = len(self._pending)
        folder = Path(tempfile.gettempdir())
        target = folder / f"{self.path.stem}.rescued-{os.getpid()}{self.path.suffix}"
        try:
            with target.open("ab") as fh:
                fh.writelines(self._pending)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            lines = b"".join(self._pending).decode("utf-8", "replace")
            return (
                f"{count} record(s) could not be written to {self.path} ({self._error}) nor to "
                f"{target} ({_reason(exc)}); here they are:\n{lines}"
            )
        self._pending.clear()
        return (
            f"{count} record(s) could not be written to {self.path} ({self._error}); they were "
            f"saved to {target}: append that file to the log to complete it"
        )


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
        raise LogLocationError(_location_message(path, exc)) from exc


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


def _reason(exc: OSError) -> str:
    reasons = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EISDIR: "that path is a folder",
        errno.EEXIST: "a file is in the way: it is a file, not a folder",
        errno.ENOENT: "the folder does not exist and cannot be created",
        errno.EIO: "input/output error (is the disk still there?)",
    }
    why = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else None
    return f"{why} ({where})" if where else why


def _location_message(path: Path, problem: OSError | str) -> str:
    why = _reason(problem) if isinstance(problem, OSError) else problem
    return (
        f"cannot write the as-run log {path}: {why}. The show has not started and nothing "
        "was lost: make that folder writable, or choose another file with --log PATH."
    )


# ---------------------------------------------------------------- reader


@dataclass(frozen=True)
class LogContents:
    """A log as read back: header, records in order (duplicates dropped), and what was odd."""

    path: Path
    header: RunHeader | None
    records: tuple[dict[str, Any], ...]  # every record after the header
    warnings: tuple[str, ...] = ()
    keep_bytes: int | None = None  # set when a cut-off last line should be dropped
    next_seq: int = 0

    @property
    def ended(self) -> bool:
        """The show ended (a `back` after the end undoes it: the operator went on)."""
        for rec in reversed(self.records):
            kind = rec.get("event")
            if kind == "show_ended":
                return True
            if kind == "back":
                return False
        return False

    def events(self, *kinds: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("record") == "event" and r.get("event") in kinds]


def read_log(path: Path) -> LogContents:
    """Read a log; a cut-off last line and unreadable lines are dropped with a warning.

    Raises LogFormatError if the file is not an as-run log (or is from a newer
    timekeeper), AsRunError if it cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AsRunError(f"cannot read the as-run log {path}: {_reason(exc)}") from exc
    warnings: list[str] = []
    keep: int | None = None
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, as every complete log does
    if tail:
        keep = len(data) - len(tail)
        warnings.append(
            f"{path}: the last line was cut off mid-write ({len(tail)} bytes); it is ignored"
        )
    header: RunHeader | None = None
    records: list[dict[str, Any]] = []
    seen: set[int] = set()
    next_seq = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            warnings.append(f"{path}: line {number} is not a JSON record; it is skipped")
            continue
        seq = rec.get("seq")
        if isinstance(seq, int):
            if seq in seen:
                continue  # written twice by a retry after a failed write
            seen.add(seq)
            next_seq = max(next_seq, seq + 1)
        if header is None and not records:
            header = _header(rec, path)
            continue
        records.append(rec)
    return LogContents(path, header, tuple(records), tuple(warnings), keep, next_seq)


def _header(rec: Mapping[str, Any], path: Path) -> RunHeader:
    if rec.get("record") != "run":
        raise LogFormatError(
            f"{path} is not a timekeeper as-run log (its first record is not a run header)"
        )
    version = rec.get("v")
    if not isinstance(version, int) or version > LOG_VERSION:
        raise LogFormatError(
            f"{path} was written by a newer timekeeper (log format {version}); "
            f"this one reads format {LOG_VERSION}: upgrade timekeeper"
        )
    return RunHeader.from_json(rec, str(path))
