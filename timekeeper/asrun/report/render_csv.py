"""The report as CSV: a row per slot, per turn, per alarm and per revision, for a spreadsheet.

Owns the CSV columns (`CSV_FIELDS`) and rows; local ISO times, durations in
seconds; an alarm row has its first and last time and how often it happened; a
revision row (an accepted programme version) its instant, who accepted it and
what changed (as `timekeeper diff` words it, the lines joined by `; `).
It must not build the model; the slot figures it shares with the JSON renderer
come from `text.slot_figures`.
"""

from __future__ import annotations

import csv
import io

from timekeeper.asrun.report.model import Report
from timekeeper.asrun.report.text import iso, secs, slot_figures
from timekeeper.core.programme import Programme
from timekeeper.core.text import csv_cell

CSV_FIELDS = [
    "row", "slot", "slot_id", "turn", "speaker", "planned_start", "planned_end",
    "actual_start", "actual_end", "planned_seconds", "actual_seconds", "start_delta_seconds",
    "length_delta_seconds", "extension_seconds", "outcome", "cut_by", "count", "by", "changes",
]  # fmt: skip


def render_csv(report: Report, prog: Programme) -> str:
    """A row per slot, turn, alarm and revision; local ISO times, durations in seconds."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()

    def put(row: dict[str, object]) -> None:  # no cell a spreadsheet would run (core/text.py)
        writer.writerow({key: csv_cell(value) for key, value in row.items()})

    for s in report.slots:
        put(
            {
                "row": "slot",
                "slot": s.title,
                "slot_id": s.id,
                "turn": "",
                "speaker": s.speakers,
                **slot_figures(prog, s),
                "cut_by": s.cut_by or "",
            }
        )
        for t in s.turns:
            start = t.actual_start
            put(
                {
                    "row": "turn",
                    "slot": s.title,
                    "slot_id": s.id,
                    "turn": t.index + 1,
                    "speaker": t.speaker,
                    "actual_start": iso(prog, start),
                    "actual_end": iso(prog, t.actual_end),
                    "planned_seconds": secs(t.planned),
                    "actual_seconds": secs(t.length),
                    "length_delta_seconds": secs(t.delta),
                    "outcome": t.outcome,
                }
            )
    for a in report.alarms:
        put(
            {
                "row": "alarm",
                "slot": a.slot or "",
                "actual_start": iso(prog, a.at),
                "actual_end": iso(prog, a.until or a.at),
                "outcome": a.text,
                "count": a.count,
            }
        )
    for r in report.revisions:
        put(
            {
                "row": "revision",
                "actual_start": iso(prog, r.at),
                "by": r.by or "",
                "changes": r.detail if r.detail is not None else r.text,
            }
        )
    return buf.getvalue()
