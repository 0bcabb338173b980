"""The diagnostics log: internal errors with their tracebacks, next to the as-run log.

The as-run log records the show; this file records timekeeper itself (an
exception in a subscriber, the OBS controller's own log lines), so an operator
told "internal error" has a file to hand over. It rotates (1 MB, 3 old files),
and every secret the run knows (the OBS password, broker or control tokens read
from the environment) is replaced by `***` before a line is written. `Diagnostics` owns a
run's file: its path, its handler until the run closes it, and the notice of an internal error.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
from collections.abc import Iterable
from pathlib import Path

from timekeeper.show.notices import InternalError

MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LOGGERS = ("timekeeper", "asyncio")


class RedactingFormatter(logging.Formatter):
    """A formatter that never writes a secret, whatever the message or traceback says."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(FORMAT)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that, when it cannot be written (a full disk, a folder made read-only),
    drops the line and counts it instead of printing a traceback on stderr: the dashboard draws
    on stderr, and a headless run's stderr is read by a supervisor. The show goes on either
    way; the as-run log says itself when it cannot write."""

    failed = 0  # lines this log could not write

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed += 1


def path_for(asrun_log: Path) -> Path:
    """`runs/x-live.jsonl` -> `runs/x-live.diagnostics.log`."""
    return asrun_log.with_name(asrun_log.stem + ".diagnostics.log")


def install(path: Path, secrets: Iterable[str] = ()) -> QuietFileHandler:
    """Send timekeeper's (and asyncio's) warnings and errors to `path`; returns the handler."""
    handler = QuietFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setLevel(logging.INFO)
    handler.setFormatter(RedactingFormatter(secrets))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    return handler


def uninstall(handler: logging.Handler) -> None:
    for name in _LOGGERS:
        logging.getLogger(name).removeHandler(handler)
    with contextlib.suppress(OSError):  # a full disk at the end of a run ends nothing
        handler.close()


class Diagnostics:
    """The run's diagnostics log: where it is, and its handler until the run closes it."""

    def __init__(self, path: Path, handler: logging.Handler | None = None) -> None:
        self.path = path
        self._handler = handler

    @classmethod
    def open(cls, path: Path, secrets: Iterable[str] = ()) -> Diagnostics:
        return cls(path, install(path, secrets))

    def redact(self, text: str) -> str:
        """`text` with every secret of the run replaced by `***`."""
        handler = self._handler
        if handler is not None and isinstance(handler.formatter, RedactingFormatter):
            return handler.formatter.redact(text)
        return text

    def internal_error(self, where: str, exc: BaseException) -> InternalError:
        """The notice of a contained internal error: its words, redacted, and this file."""
        return InternalError(
            where=where,
            error=self.redact(f"{type(exc).__name__}: {exc}"),
            diagnostics=str(self.path),
        )

    def close(self) -> None:
        """Stop writing (once; a second close does nothing)."""
        if self._handler is not None:
            uninstall(self._handler)
            self._handler = None
