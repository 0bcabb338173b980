"""What an edit of the programme file means for the running show (docs/changes.md).

Owns `ChangeCheck` and `check_file`: the file is read and validated again;
invalid, it yields the problems exactly as `timekeeper check` prints them
(`FILE:LINE:COL: error: …`) and the running plan stays; valid, the difference
it would make to the show now, or the reason it is refused. Nothing is applied
here (that is `runtime.revisions.accept`); the front ends decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from timekeeper.core.diff import ProgrammeDiff
from timekeeper.core.programme import Programme
from timekeeper.core.revise import RevisionRefused
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.loader import read_programme
from timekeeper.show.session import ShowSession


class ChangeKind(StrEnum):
    UNCHANGED = "unchanged"  # the file is the running plan
    INVALID = "invalid"  # errors as `check` prints them; the plan stays
    REFUSED = "refused"  # valid, but it may not apply now (the reason)
    OFFERED = "offered"  # valid: the difference, to accept or dismiss


@dataclass(frozen=True)
class ChangeCheck:
    kind: ChangeKind
    path: str
    lines: tuple[str, ...] = ()  # the difference, the errors, or the reason
    programme: Programme | None = None
    data: bytes = b""  # the file's exact bytes (kept beside the log when accepted)
    diff: ProgrammeDiff | None = None
    digest: str | None = None  # of the file read (None: unreadable)


def check_file(session: ShowSession, path: str | Path) -> ChangeCheck:
    """Read `path` again and say what it would do to the show as it stands now."""
    where = str(path)
    try:
        programme, data, _ = read_programme(path)
    except InvalidProgrammeError as exc:
        return ChangeCheck(ChangeKind.INVALID, where, tuple(str(p) for p in exc.problems))
    if programme.digest == session.programme.digest:
        return ChangeCheck(ChangeKind.UNCHANGED, where, digest=programme.digest)
    try:
        diff = session.preview(programme)
    except RevisionRefused as exc:
        return ChangeCheck(
            ChangeKind.REFUSED, where, (str(exc),), programme, data, digest=programme.digest
        )
    lines = tuple(render_diff(diff, session.programme, programme))
    return ChangeCheck(ChangeKind.OFFERED, where, lines, programme, data, diff, programme.digest)
