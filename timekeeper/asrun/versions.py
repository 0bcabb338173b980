"""Programme versions kept beside the as-run log, addressed by their sha256.

A run may go through several versions of `programme.yaml` (docs/changes.md):
the log names each by its hash (the header the first, a `revision` record every
accepted one), and the exact bytes are kept in `programmes/<sha256>.yaml` next
to the log, written and fsync'd before the record that names them, so a resume
or a report replays the show with the very versions it ran under, whatever the
programme file holds by then. Owns storing and finding those copies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from timekeeper.core.programme import Programme
from timekeeper.errors import ProgrammeError

FOLDER = "programmes"


def folder(log_path: Path) -> Path:
    return log_path.parent / FOLDER


def path_of(log_path: Path, sha256: str) -> Path:
    return folder(log_path) / f"{sha256}.yaml"


def store(log_path: Path, data: bytes) -> str:
    """Keep `data` beside the log (durably, once per content); its sha256."""
    sha = hashlib.sha256(data).hexdigest()
    target = path_of(log_path, sha)
    if target.exists() and target.read_bytes() == data:
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return sha


def keep_source(log_path: Path, programme: Programme) -> None:
    """Keep the programme's file as it is now, if it still is what was loaded (best effort)."""
    if not programme.source or not programme.digest:
        return
    try:
        data = Path(programme.source).read_bytes()
        if hashlib.sha256(data).hexdigest() == programme.digest:
            store(log_path, data)
    except OSError:
        pass  # the log still works; only a resume with a changed file will need the copy


def load(log_path: Path, sha256: str) -> Programme | None:
    """The version with this hash from beside the log; None if it is not there or unreadable."""
    from timekeeper.programme.loader import load_programme_data

    target = path_of(log_path, sha256)
    try:
        data = target.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    try:
        return load_programme_data(data, str(target))
    except ProgrammeError:
        return None
