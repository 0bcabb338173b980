"""A running-late proposal in a stage manager's words: a headline, one line per change.

Owns the words of the dashboard's banner and dialog, `timekeeper plan`, the
control API's `/state` and the report (`headline`, `explain`, `proposal_json`);
what the proposal is comes from `timekeeper.core.proposal`. Times are the
event's local time of day; lengths read as countdowns do (6:00).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from timekeeper.core.programme import Programme
from timekeeper.core.proposal import Miss, Proposal, Shortening
from timekeeper.programme.difftext import hhmm, mmss, signed


def _target(programme: Programme, miss: Miss) -> str:
    t = miss.target
    if t.end:
        return f"the end of the show ({hhmm(programme, t.at)})"
    return f"{t.title}'s hard start ({hhmm(programme, t.at)})"


def headline(proposal: Proposal, programme: Programme) -> str:
    """ "Running late: the end of the show (18:30) is forecast +7:00 late"."""
    worst = max(proposal.before, key=lambda m: m.late)
    return f"Running late: {_target(programme, worst)} is forecast {signed(worst.late)} late"


def explain(proposal: Proposal, programme: Programme) -> list[str]:
    """One line per change, then what becomes of each target that was missed."""
    lines = []
    for _slot, rows in groupby(proposal.shortenings, key=lambda s: s.slot_id):
        lines.append(_slot_line(list(rows)))
    if not proposal.shortenings:
        lines.append("nothing can give way (everything left is fixed or at its minimum)")
    missed = {m.target for m in proposal.before if m.late.total_seconds() > 0}
    return lines + [_outcome(m, programme) for m in proposal.after if m.target in missed]


def _slot_line(rows: list[Shortening]) -> str:
    title = rows[0].title
    total = sum((r.before - r.after for r in rows), timedelta())
    if rows[0].turn is None:
        r = rows[0]
        return f"{title} {mmss(r.before)} → {mmss(r.after)} (−{mmss(total)})"
    if len({(r.before, r.after) for r in rows}) == 1:
        r = rows[0]
        return f"{title}: turns {mmss(r.before)} → {mmss(r.after)} (−{mmss(total)})"
    each = ", ".join(f"{r.speaker} {mmss(r.before)} → {mmss(r.after)}" for r in rows)
    return f"{title}: {each} (−{mmss(total)})"


def _outcome(miss: Miss, programme: Programme) -> str:
    t, late = miss.target, miss.late
    if t.end:
        last = programme.slots[-1]
        if late.total_seconds() <= 0:
            return f"{last.title} stays at {hhmm(programme, last.start)}; the show ends at " + (
                f"{hhmm(programme, t.at)} as planned"
            )
        return f"the show still ends {mmss(late)} late ({hhmm(programme, t.at + late)})"
    if late.total_seconds() <= 0:
        return f"{t.title} stays at {hhmm(programme, t.at)} (hard start)"
    return (
        f"{t.title} stays at {hhmm(programme, t.at)} (hard start) and still cuts what runs "
        f"before it by {mmss(late)}"
    )


def proposal_json(proposal: Proposal, programme: Programme) -> dict[str, object]:
    """The proposal as data: for `/state`, the JSON lines and the as-run log."""
    tz = programme.tz
    return {
        "at": proposal.at.astimezone(tz).isoformat(),
        "headline": headline(proposal, programme),
        "lines": explain(proposal, programme),
        "late_seconds": int(proposal.late.total_seconds()),
        "overrun_seconds": int(proposal.overrun.total_seconds()),
        "changes": [
            {
                "slot": s.slot_id,
                "turn": s.turn,
                "speaker": s.speaker,
                "before_seconds": int(s.before.total_seconds()),
                "after_seconds": int(s.after.total_seconds()),
            }
            for s in proposal.shortenings
        ],
    }
