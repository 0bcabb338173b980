"""The notices about the programme file and its revisions during a run, one class per kind.

Owns what the programme watch (`app.programme_watch`), a front end's answer to an edit
(`app.headless.on_change`) and the revisions (`show.revisions`) report: the watch's state,
an edit checked and offered (`ChangeOffered`, which each front end answers its own way), and
an accepted revision with its difference (`programme.difftext.diff_json`'s fields, flattened
into the JSON line as they always were). The base and the stream are `show.notices`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from timekeeper.show.changes import ChangeCheck
from timekeeper.show.notices import Notice


@dataclass(frozen=True)
class ProgrammeWatching(Notice):
    kind: ClassVar[str] = "programme_watch"
    path: str
    message: str


@dataclass(frozen=True)
class ProgrammeWatchFailed(Notice):
    kind: ClassVar[str] = "programme_watch_failed"
    warns: ClassVar[bool] = True
    error: str


@dataclass(frozen=True)
class ProgrammeSettling(Notice):
    """The file changed: it is read once it has stood still (a slow save is not the edit)."""

    kind: ClassVar[str] = "programme_settling"
    path: str
    message: str


@dataclass(frozen=True)
class ChangeOffered(Notice):
    """An edit of the programme file, checked: the dashboard offers it, headless answers it.
    Not a line of its own: each front end says what it did with it."""

    kind: ClassVar[str] = "change_offered"
    check: ChangeCheck


@dataclass(frozen=True)
class ProgrammeInvalid(Notice):
    kind: ClassVar[str] = "programme_invalid"
    path: str
    errors: list[str]


@dataclass(frozen=True)
class ProgrammeRefused(Notice):
    kind: ClassVar[str] = "programme_refused"
    path: str
    reason: str


@dataclass(frozen=True)
class ProgrammeUnchanged(Notice):
    kind: ClassVar[str] = "programme_unchanged"
    path: str


@dataclass(frozen=True)
class ProgrammeEdited(Notice):
    """An edit not accepted (headless without --accept-changes): the plan stays."""

    kind: ClassVar[str] = "programme_edited"
    path: str
    lines: list[str]
    message: str


@dataclass(frozen=True)
class _Revised(Notice):
    """A new plan in effect, by whom, and its difference (`diff_json`'s fields)."""

    hidden: ClassVar[frozenset[str]] = frozenset({"diff"})
    by: str
    diff: Mapping[str, object] = field(default_factory=dict)

    def payload(self) -> dict[str, object]:
        return {**super().payload(), **self.diff}

    @property
    def lines(self) -> list[str]:
        return [str(x) for x in self.diff.get("lines", []) or []]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ProgrammeChanged(_Revised):
    kind: ClassVar[str] = "programme_changed"

    def line(self) -> str:
        return "Programme changed: " + " | ".join(self.lines)


@dataclass(frozen=True)
class ProposalUndone(_Revised):
    kind: ClassVar[str] = "proposal_undone"
    hidden: ClassVar[frozenset[str]] = frozenset({"diff"})
    message: str = ""

    def payload(self) -> dict[str, object]:
        return {"by": self.by, "message": self.message, **self.diff}


@dataclass(frozen=True)
class ProposalAccepted(ProposalUndone):
    kind: ClassVar[str] = "proposal_accepted"
    proposal: Mapping[str, object] = field(default_factory=dict)

    def payload(self) -> dict[str, object]:
        return {"by": self.by, "message": self.message, "proposal": self.proposal, **self.diff}
