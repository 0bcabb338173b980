"""The running-late proposals of a run, for the report (docs/running-late.md).

Owns `proposal_lines` (each proposal accepted or taken back: when, by whom, its
one-line explanation, from the log's `revision` records that carry one) and
`with_proposed` (each slot and turn a proposal changed: planned as the file
has it, proposed as the show last stood, beside the actual length). The replay
itself applies the proposals (`asrun.replay`); nothing here renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from timekeeper.asrun.report.model import Line, SlotRow
from timekeeper.asrun.resume import instant
from timekeeper.core.programme import Programme


def proposal_lines(records: Sequence[Mapping[str, Any]]) -> tuple[Line, ...]:
    """One line per logged proposal: "accepted by keyboard: Panel discussion: turns …"."""
    out = []
    for rec in records:
        proposal = rec.get("proposal")
        at = instant(rec.get("at"))
        if rec.get("record") != "revision" or not isinstance(proposal, dict) or at is None:
            continue
        by = str(rec.get("by") or "?")
        if proposal.get("undo"):
            out.append(Line(at, "proposal", f"taken back by {by}", by=by))
            continue
        lines = proposal.get("lines")
        words = "; ".join(str(x) for x in lines) if isinstance(lines, list) else ""
        out.append(Line(at, "proposal", f"accepted by {by}: {words}", by=by, detail=words))
    return tuple(out)


def with_proposed(slots: tuple[SlotRow, ...], file: Programme) -> tuple[SlotRow, ...]:
    """Rows whose length a proposal changed: planned from `file`, proposed as they stood."""
    out = []
    for row in slots:
        try:
            planned = file.slots[file.index(row.id)]
        except KeyError:
            out.append(row)  # added by a revision: its plan is the one it ran under
            continue
        turns = []
        for turn in row.turns:
            base = planned.turns[turn.index] if turn.index < len(planned.turns) else None
            if base is not None and base.speaker == turn.speaker and base.duration != turn.planned:
                turn = replace(turn, planned=base.duration, proposed=turn.planned)
            turns.append(turn)
        length = row.planned_length
        if planned.duration != length:
            row = replace(row, planned_end=row.planned_start + planned.duration, proposed=length)
        out.append(replace(row, turns=tuple(turns)))
    return tuple(out)
