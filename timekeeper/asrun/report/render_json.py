"""The report as JSON: the whole model, with local ISO times and durations in seconds.

Owns the JSON document's shape (`report_json`). It must not build the model;
the slot figures it shares with the CSV renderer come from `text.slot_figures`.
"""

from __future__ import annotations

from timekeeper.asrun.report.model import Interval, Line, Report
from timekeeper.asrun.report.text import iso, secs, slot_figures
from timekeeper.core.programme import Programme


def report_json(report: Report, prog: Programme) -> dict[str, object]:
    """The whole model, with local ISO times and durations in seconds."""

    def line(item: Line) -> dict[str, object]:
        data: dict[str, object] = {"at": iso(prog, item.at), "kind": item.kind, "text": item.text}
        if item.slot is not None:
            data["slot"] = item.slot
        if item.by is not None:
            data["by"] = item.by
        if item.until is not None and item.count > 1:  # a repeated alarm: one line
            data["until"] = iso(prog, item.until)
            data["count"] = item.count
        return data

    def span(item: Interval) -> dict[str, object]:
        return {"start": iso(prog, item.start), "end": iso(prog, item.end)}

    sw = report.switches
    return {
        "event": {
            "title": report.title,
            "subtitle": report.subtitle,
            "date": report.date,
            "venue": report.venue,
            "timezone": report.timezone,
        },
        "run": report.run,
        "log": report.log,
        "programme": report.programme,
        "planned_start": iso(prog, report.planned_start),
        "planned_end": iso(prog, report.planned_end),
        "started": iso(prog, report.started),
        "start_delay_seconds": secs(report.start_delay),
        "ended": iso(prog, report.ended),
        "end_delta_seconds": secs(report.end_delta),
        "log_end": iso(prog, report.log_end),
        "summary": report.summary,
        "slots": [
            {
                "index": s.index,
                "id": s.id,
                "title": s.title,
                "hard": s.hard,
                "manual": s.manual,
                "speakers": s.speakers,
                **slot_figures(prog, s),
                "proposed_seconds": secs(s.proposed),
                "ended_by": s.ended_by,
                "cut_by": s.cut_by,
                "turns": [
                    {
                        "turn": t.index + 1,
                        "speaker": t.speaker,
                        "title": t.title,
                        "planned_seconds": secs(t.planned),
                        "proposed_seconds": secs(t.proposed),
                        "actual_start": iso(prog, t.actual_start),
                        "actual_end": iso(prog, t.actual_end),
                        "actual_seconds": secs(t.length),
                        "delta_seconds": secs(t.delta),
                        "outcome": t.outcome,
                    }
                    for t in s.turns
                ],
            }
            for s in report.slots
        ],
        "stream": [span(i) for i in report.stream],
        "recording": [span(i) for i in report.recording],
        "scene_switches": None
        if sw is None
        else {
            "confirmed": sw.confirmed,
            "failed": sw.failed,
            "median_ms": None if sw.median is None else round(sw.median.total_seconds() * 1000),
            "max_ms": None if sw.max is None else round(sw.max.total_seconds() * 1000),
        },
        "alarms": [line(a) for a in report.alarms],
        "operator_actions": {
            "counts": report.action_counts,
            "list": [line(a) for a in report.actions],
        },
        "messages": [line(m) for m in report.messages],
        "revisions": [line(r) for r in report.revisions],
        "proposals": [line(p) for p in report.proposals],
        "warnings": list(report.warnings),
    }
