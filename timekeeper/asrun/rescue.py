"""Records a run could not write at its close, kept elsewhere and merged back by the next start.

Why merged by timekeeper, never by hand: after a disk-full close the log may end in
a fragment of a failed write, so appending the rescue file to it by hand glued that
fragment to the first rescued record and lost it; and a run started before anyone
appended it numbered its records from the log's last `seq`, reusing the rescued
records' numbers. So a rescue file (in the temporary folder: the log's own disk was
full) starts with a line naming the log it belongs to, and the next `timekeeper run`
that looks at that log's folder (`merge_into_logs_of`) cuts any fragment off the log,
appends the rescued records it does not already hold, fsyncs, and removes the rescue
file, all under the log's lock, before it reads the log to decide what to resume.
Owns `write_rescue` and the merge.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from timekeeper.asrun.errors import LogLocationError, location_message, reason
from timekeeper.asrun.lock import LogInUseError, LogLock, Owner

MARK = "rescued"  # the `record` of a rescue file's first line


def _tag(log_path: Path) -> str:
    return hashlib.sha256(str(log_path.resolve()).encode()).hexdigest()[:12]


def rescue_path(log_path: Path) -> Path:
    """Where this process rescues the records of `log_path` (one file per log and process)."""
    name = f"{log_path.stem}.rescued-{_tag(log_path)}-{os.getpid()}{log_path.suffix}"
    return Path(tempfile.gettempdir()) / name


def write_rescue(log_path: Path, lines: list[bytes], error: str | None) -> str:
    """Save `lines` for the next start to merge; the message for the person at the desk."""
    count = len(lines)
    target = rescue_path(log_path)
    mark = {"record": MARK, "log": str(log_path.resolve()), "records": count}
    try:
        with target.open("ab") as fh:
            fh.write(json.dumps(mark).encode() + b"\n")
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        text = b"".join(lines).decode("utf-8", "replace")
        return (
            f"{count} record(s) could not be written to {log_path} ({error}) nor to "
            f"{target} ({reason(exc)}); here they are:\n{text}"
        )
    return (
        f"{count} record(s) could not be written to {log_path} ({error}); they were saved to "
        f"{target}. The next `timekeeper run` of this show merges them into the log "
        "(do not append them by hand); free space on that disk first"
    )


def _rescues() -> list[tuple[Path, Path]]:
    """(rescue file, the log it belongs to) for every rescue file in the temporary folder."""
    out = []
    for path in sorted(Path(tempfile.gettempdir()).glob("*.rescued-*")):
        try:
            if path.is_symlink() or path.stat().st_uid != os.getuid():
                continue  # only this user's own rescue files: the temporary folder is shared
            with path.open("rb") as fh:
                mark = json.loads(fh.readline(1 << 16))
        except (OSError, ValueError, RecursionError):
            continue
        if (
            isinstance(mark, dict)
            and mark.get("record") == MARK
            and isinstance(mark.get("log"), str)
        ):
            log = Path(mark["log"])
            if path.name.startswith(f"{log.stem}.rescued-{_tag(log)}-"):
                out.append((path, log))
    return out


def merge_into_logs_of(place: Path, since: datetime, owner: Owner) -> list[str]:
    """Merge every rescue of a log at `place` (a log file, or a folder of logs); the notes.

    A log in use by another run is left alone (that run's own close rescued them
    after it; it is merged when that run next starts). Raises LogLocationError if
    a rescue cannot be merged (the disk still full): a run started anyway would
    number its records over the rescued ones.
    """
    place = place.resolve()
    notes = []
    for rescue, log in _rescues():
        if log != place and log.parent != place:
            continue
        try:
            lock = LogLock.acquire(log, since, owner)
        except LogInUseError:
            continue
        try:
            count = _merge(rescue, log)
        finally:
            lock.release()
        notes.append(
            f"merged {count} record(s) rescued at the last close from {rescue} into {log.name}"
        )
    return notes


def _merge(rescue: Path, log: Path) -> int:
    try:
        lines = rescue.read_bytes().split(b"\n")[1:]
        rescued = [line + b"\n" for line in lines if line.strip()]
        data = log.read_bytes() if log.exists() else b""
        keep = data.rfind(b"\n") + 1  # a fragment of a failed write is cut off
        held = set(data[:keep].split(b"\n"))
        new = [line for line in rescued if line[:-1] not in held]
        with log.open("r+b" if log.exists() else "wb") as fh:
            fh.truncate(keep)
            fh.seek(keep)
            fh.writelines(new)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise LogLocationError(
            location_message(log, exc)
            + f" The records rescued in {rescue} must be merged into it first"
        ) from exc
    with contextlib.suppress(OSError):
        rescue.unlink()
    return len(new)
