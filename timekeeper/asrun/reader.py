"""Reading an as-run log back: its header and records, with what was odd about them.

Owns `read_log` and `LogContents`: a cut-off last line (a crash mid-write) and
unreadable lines are dropped with a warning, records written twice by a retry
are dropped by their sequence number (with a note), records of a second writer
that reuse sequence numbers (two runs interleaved) are kept with a loud
warning, and a file that is not a log (or is from a newer timekeeper) is
refused, as is a record that parses but holds what no run writes (`validate`:
refused with its line number, never a crash later in a replay). It must not
write logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timekeeper.asrun.errors import AsRunError, LogFormatError, LogRecordError, reason
from timekeeper.asrun.header import LOG_VERSION, RunHeader
from timekeeper.asrun.validate import header_problem, record_problem


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
    timekeeper), LogRecordError for a record no run writes (with its line),
    AsRunError if it cannot be read at all.
    """
    if path.is_dir():
        raise LogFormatError(
            f"{path} is a folder, not an as-run log: give the log file "
            "(or, to `run`, a folder with --log puts the usual log name in it)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AsRunError(f"cannot read the as-run log {path}: {reason(exc)}") from exc
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
    seen: dict[int, bytes] = {}  # seq -> the line that first had it
    copies: list[int] = []  # seqs written twice, the same record: a retried write
    clashes: list[tuple[int, int]] = []  # (seq, line) of another record with a seq taken
    next_seq = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8", "replace"))
        except RecursionError:
            raise LogRecordError(path, number, "it is nested too deeply") from None
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            warnings.append(f"{path}: line {number} is not a JSON record; it is skipped")
            continue
        seq = rec.get("seq")
        if isinstance(seq, int):
            first = seen.get(seq)
            if first is not None and first == raw.strip():
                copies.append(seq)
                continue  # written twice by a retry after a failed write
            if first is not None:
                clashes.append((seq, number))  # another writer: kept, and said loudly
            else:
                seen[seq] = raw.strip()
            next_seq = max(next_seq, seq + 1)
        if header is None and not records:
            header = _header(rec, path, number)
            continue
        why = record_problem(rec)
        if why is not None:
            raise LogRecordError(path, number, why)
        records.append(rec)
    warnings += _duplicates(path, copies, clashes)
    return LogContents(path, header, tuple(records), tuple(warnings), keep, next_seq)


def _duplicates(path: Path, copies: list[int], clashes: list[tuple[int, int]]) -> list[str]:
    """What duplicate sequence numbers mean: a retried write (harmless), or two writers."""
    out = []
    if copies:
        out.append(
            f"{path}: {len(copies)} record(s) were written twice by a retried write "
            f"(seq {_ranges(copies)}); the copies are ignored"
        )
    if clashes:
        seqs = [seq for seq, _ in clashes]
        out.append(
            f"{path}: two runs wrote this log at the same time (interleaved): from line "
            f"{clashes[0][1]} on, {len(clashes)} record(s) reuse sequence numbers another "
            f"record already has (seq {_ranges(seqs)}). They are kept in the order written, "
            "so what is read from this log mixes two runs and may be wrong "
            "(timekeeper now refuses a second run of a log in use)"
        )
    return out


def _ranges(numbers: list[int], most: int = 4) -> str:
    """ "41–77, 80, 83–90" (at most `most` ranges, then "…")."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    words = [f"{a}–{b}" if b > a else str(a) for a, b in spans[:most]]
    return ", ".join(words) + (", …" if len(spans) > most else "")


def _header(rec: Mapping[str, Any], path: Path, line: int) -> RunHeader:
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
    why = header_problem(rec)
    if why is not None:
        raise LogRecordError(path, line, f"the run header's {why}")
    return RunHeader.from_json(rec, str(path))
