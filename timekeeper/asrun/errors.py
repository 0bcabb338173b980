"""What can go wrong with an as-run log, and how to say it to the person at the desk.

Owns the as-run exceptions (`AsRunError` and its kinds, with their exit codes)
and the wording of file-system failures (`reason`, `location_message`). It
must not open, write or read logs.
"""

from __future__ import annotations

import errno
from pathlib import Path

from timekeeper.errors import TimekeeperError


class AsRunError(TimekeeperError):
    """Something is wrong with an as-run log."""


class LogLocationError(AsRunError):
    """The log cannot be created or opened where asked (raised before the show starts)."""

    exit_code = 2


class LogFormatError(AsRunError):
    """The file is not an as-run log this version of timekeeper can read."""

    exit_code = 2


class LogRecordError(LogFormatError):
    """A record of the log holds what no run writes (damaged or edited): named by its line."""

    def __init__(self, path: Path, line: int, why: str) -> None:
        super().__init__(
            f"{path}, line {line}: this record cannot be read back ({why}). Nothing was changed: "
            f"the records before line {line} are kept, but the run cannot be replayed past it, "
            "so running the same command again would fail the same way. Repair or remove that "
            "line (keep a copy of the file first), or start a new run with --fresh "
            "(this log is kept)"
        )
        self.path, self.line, self.why = path, line, why


class LogMismatchError(AsRunError):
    """The log belongs to another programme version (or another kind of run)."""

    exit_code = 2


class LogWriteError(AsRunError):
    """Records could not be written even at the end of the run (they were rescued elsewhere)."""


def reason(exc: OSError) -> str:
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


def location_message(path: Path, problem: OSError | str) -> str:
    why = reason(problem) if isinstance(problem, OSError) else problem
    return (
        f"cannot write the as-run log {path}: {why}. The show has not started and nothing "
        "was lost: make that folder writable, or choose another file with --log PATH."
    )
