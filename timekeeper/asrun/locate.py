"""Which earlier run a `timekeeper run` command goes on with: found by what the logs say.

Why by their headers, not by their names: a restart must find its run when the
programme file cannot be read (an invalid edit saved before the crash), when
the command carries `--at` (a rehearsal's own pretend time has moved on), and
when several rooms run from one folder (their event titles may slug alike). So
a run is identified by what it is (`ShowKey`: the programme file, the kind of
run, the room), and the logs of a folder are matched by their run headers
(`runs_of`). Owns that matching and `unfinished`; it reads only the first line
of each log, plus the whole of the one it returns, and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from timekeeper.asrun.errors import LogFormatError
from timekeeper.asrun.header import RUNS_DIR, RunHeader, run_kind
from timekeeper.asrun.lock import Owner
from timekeeper.asrun.reader import LogContents, read_log

HEADER_MAX = 1 << 20  # a header line is a few hundred bytes


@dataclass(frozen=True)
class ShowKey:
    """What a command runs: its programme file, the kind of run, and the room."""

    programme: Path  # resolved
    mode: str
    rehearsal: bool
    room: str | None = None

    @classmethod
    def of(cls, programme: str | Path, mode: str, rehearsal: bool, room: str | None) -> ShowKey:
        return cls(Path(programme).expanduser().resolve(), mode, rehearsal, room)

    @property
    def kind(self) -> str:
        return run_kind(self.mode, self.rehearsal)

    @property
    def owner(self) -> Owner:
        return Owner(str(self.programme), self.room, self.mode)

    def default_folder(self) -> Path:
        return self.programme.parent / RUNS_DIR

    def matches(self, header: RunHeader, log_path: Path) -> bool:
        """The header is of a run of this show (a moved event folder still matches)."""
        if run_kind(header.mode, header.rehearsal) != self.kind or header.room != self.room:
            return False
        return any(self.programme == p.resolve() for p in header.programme_candidates(log_path))


def read_header(path: Path) -> RunHeader | None:
    """The run header of the log at `path`; None if it has none that can be read."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(HEADER_MAX)
        data = json.loads(first.decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("record") != "run":
        return None
    try:
        return RunHeader.from_json(data, str(path))
    except LogFormatError:
        return None


def runs_of(folder: Path, show: ShowKey) -> list[Path]:
    """The logs in `folder` of runs of `show`, the newest first (by when they started)."""
    found: list[tuple[RunHeader, Path]] = []
    try:
        entries = sorted(folder.glob("*.jsonl"))
    except OSError:
        return []
    for path in entries:
        if not path.is_file():
            continue
        header = read_header(path)
        if header is not None and show.matches(header, path):
            found.append((header, path))
    found.sort(key=lambda hp: hp[0].real_started_at, reverse=True)
    return [path for _, path in found]


def unfinished(show: ShowKey, log: Path | None) -> LogContents | None:
    """The run this command would resume, read: `--log FILE` itself, else the newest run of
    `show` in the folder (`--log DIR`, or runs/ beside the programme); None if its show ended.

    Raises LogRecordError / LogFormatError / AsRunError for a log that cannot be read.
    """
    if log is not None and not log.is_dir():
        path: Path | None = log if log.exists() else None
    else:
        runs = runs_of(log if log is not None else show.default_folder(), show)
        path = runs[0] if runs else None
    if path is None:
        return None
    contents = read_log(path)
    return None if contents.ended else contents
