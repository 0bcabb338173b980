"""Accepting a new version of the programme during a run: durable first, then in effect.

Owns what `accept` does for both front ends (the dashboard's change dialog,
`--headless --accept-changes`): the new version's exact bytes are kept beside
the as-run log (`asrun.versions`), a `revision` record names it at its instant,
and only then does the session run on it and publish its events; the front end
is told with a `programme_changed` notice carrying the difference
(docs/changes.md). A refused change (`RevisionRefused`) leaves everything as it was.
A running-late proposal (docs/running-late.md) takes the same path
(`accept_proposal`, `undo_proposal`): its `revision` record names the version
in effect and carries the new lengths, which a resume applies again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from timekeeper.asrun import versions
from timekeeper.core.diff import ProgrammeDiff
from timekeeper.core.programme import Programme
from timekeeper.core.proposal import Lengths, Proposal
from timekeeper.errors import TimekeeperError
from timekeeper.programme.difftext import diff_json
from timekeeper.programme.proposaltext import explain, proposal_json
from timekeeper.show.programme_notices import ProgrammeChanged, ProposalAccepted, ProposalUndone

if TYPE_CHECKING:
    from timekeeper.asrun import RunStart
    from timekeeper.show.handle import RunHandle


class RevisionNotKept(TimekeeperError):
    """The new version could not be kept beside the log: it is not applied."""


def journal(
    run: RunStart | None, programme: Programme, data: bytes, by: str
) -> Callable[[datetime], None]:
    """What records an accepted revision at its instant (before its effects are published)."""

    def record(at: datetime) -> None:
        if run is None:
            return
        try:
            sha = versions.store(run.path, data)
        except OSError as exc:
            raise RevisionNotKept(
                f"cannot keep the new programme beside the as-run log "
                f"({versions.folder(run.path)}: {exc.strerror or exc}); it was not applied"
            ) from exc
        run.log.append(
            {
                "record": "revision",
                "at": at,
                "sha256": sha,
                "source": programme.source,
                "copy": str(versions.path_of(run.path, sha).relative_to(run.path.parent)),
                "by": by,
            }
        )

    return record


def accept(runtime: RunHandle, programme: Programme, data: bytes, by: str) -> ProgrammeDiff:
    """Run on `programme` from now (raises RevisionRefused / RevisionNotKept, nothing changed)."""
    before = runtime.session.programme
    diff, _ = runtime.session.revise(programme, by, journal(runtime.asrun, programme, data, by))
    runtime.tell(ProgrammeChanged(by=by, diff=diff_json(diff, before, programme)))
    return diff


def lengths_journal(
    run: RunStart | None, running: Programme, lengths: Lengths, by: str, about: dict[str, object]
) -> Callable[[datetime], None]:
    """What records a proposal's new lengths at their instant, on the version in effect."""

    def record(at: datetime) -> None:
        if run is not None:
            run.log.append(
                {
                    "record": "revision",
                    "at": at,
                    "sha256": running.digest,
                    "by": by,
                    "proposal": {**about, "lengths": lengths.to_json()},
                }
            )

    return record


def accept_proposal(runtime: RunHandle, by: str) -> Proposal:
    """Run on the proposal on offer from now, logged with who accepted it (raises NoProposal)."""
    session = runtime.session
    before = session.programme

    def journal(proposal: Proposal) -> Callable[[datetime], None]:
        about = proposal_json(proposal, before)
        return lengths_journal(runtime.asrun, before, proposal.lengths, by, about)

    proposal, diff = session.accept_proposal(by, journal)
    about = proposal_json(proposal, before)
    words = "; ".join(explain(proposal, before))
    runtime.tell(
        ProposalAccepted(
            by=by,
            message=f"by {by}: {words}",
            proposal=about,
            diff=diff_json(diff, before, session.programme),
        )
    )
    return proposal


def undo_proposal(runtime: RunHandle, proposal: Proposal, by: str) -> ProgrammeDiff:
    """Take an accepted proposal back: its old lengths, logged like it (u on the dashboard)."""
    session = runtime.session
    before = session.programme
    about: dict[str, object] = {"undo": True}
    journal = lengths_journal(runtime.asrun, before, proposal.undo, by, about)
    diff, _ = session.revise(proposal.undo.apply(before), by, journal)
    runtime.tell(
        ProposalUndone(
            by=by,
            message=f"by {by}: the lengths before it are back",
            diff=diff_json(diff, before, session.programme),
        )
    )
    return diff
