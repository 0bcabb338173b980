"""The report as Markdown, fit to paste into a post-event report.

Owns the Markdown layout: the header, the summary line, the slot table, and
the speakers, stream/recording/OBS, alarms, operator actions, messages and
warnings sections. It must not build the model or decide figures: times and
durations are written by `text`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from timekeeper.asrun.report.model import Line, Report, SlotRow
from timekeeper.asrun.report.text import ZERO, duration, hms, ms, opt, short, signed
from timekeeper.core.engine import Outcome
from timekeeper.core.programme import Programme


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _span(prog: Programme, start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return "—" if end is None else f"…–{hms(prog, end)}"
    return f"{hms(prog, start)}–{hms(prog, end) if end is not None else '…'}"


def _outcome_words(row: SlotRow) -> str:
    if row.outcome == Outcome.CUT.value:
        return f"cut by {row.cut_by} (hard start)" if row.cut_by else "cut"
    if row.outcome == Outcome.LIVE.value:
        return "live when the log ends"
    if row.outcome == Outcome.PENDING.value:
        return "not reached"
    if row.outcome == Outcome.DONE.value and row.ended_by in ("jump", "end"):
        return f"done ({'jumped away' if row.ended_by == 'jump' else 'show ended'})"
    return row.outcome


def render_markdown(report: Report, prog: Programme) -> str:
    """Fit to paste into a post-event report: a header, the summary, a table, short sections."""
    out = [f"# {report.title}: as-run report", ""]
    if report.subtitle:
        out += [f"*{report.subtitle}*", ""]
    facts = [f"**Date:** {report.date}"]
    if report.venue:
        facts.append(f"**Venue:** {report.venue}")
    facts.append(f"**Times:** {report.timezone}")
    out += [" · ".join(facts), "", f"**Run:** {report.run} · **Log:** `{report.log}`", ""]
    out += [_start_end(report, prog), "", report.summary, "", "## Slots", ""]
    out += _table(
        ["#", "Slot", "Planned", "Actual", "Start", "Planned length", "Actual length",
         "Over/under", "Extension", "Outcome"],
        ["--:", "---", "---", "---", "--:", "--:", "--:", "--:", "--:", "---"],
        [
            [
                str(s.index),
                s.title + (" (hard)" if s.hard else "") + (" (manual)" if s.manual else ""),
                f"{short(prog, s.planned_start)}–{short(prog, s.planned_end)}",
                _span(prog, s.actual_start, s.actual_end),
                opt(s.start_delta, signed),
                duration(s.planned_length),
                opt(s.length),
                opt(s.length_delta, signed),
                signed(s.extension) if s.extension else "—",
                _outcome_words(s),
            ]
            for s in report.slots
        ],
    )  # fmt: skip
    out += _speakers_md(report, prog)
    out += _obs_md(report, prog)
    out += ["", "## Alarms", ""]
    out += [f"- {_when(prog, a)} {a.text}" for a in report.alarms] or ["None."]
    out += _actions_md(report, prog)
    if report.revisions:
        out += ["", "## Programme revisions", ""]
        out += [f"- {hms(prog, r.at)} {r.text}" for r in report.revisions]
    out += _running_late_md(report, prog)
    if report.messages:
        out += ["", "## Messages to the speakers", ""]
        out += [
            f"- {hms(prog, m.at)} " + (f"“{m.text}”" if m.text else "(cleared)")
            + (" (flash)" if m.kind == "flash" else "")
            + (f" — {m.by}" if m.by else "")
            for m in report.messages
        ]  # fmt: skip
    if report.warnings:
        out += ["", "## Warnings", ""] + [f"- {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _running_late_md(report: Report, prog: Programme) -> list[str]:
    """The running-late proposals: who accepted which, and what they changed against the plan."""
    if not report.proposals:
        return []
    out = ["", "## Running late", ""]
    out += [f"- {hms(prog, p.at)} proposal {p.text}" for p in report.proposals]
    rows = []
    for s in report.slots:
        if s.proposed is not None:
            rows.append([s.title, duration(s.planned_length), duration(s.proposed), opt(s.length)])
        for t in s.turns:
            if t.proposed is not None:
                rows.append(
                    [f"{s.title}: {t.speaker}", duration(t.planned), duration(t.proposed),
                     opt(t.length)]
                )  # fmt: skip
    if rows:
        head = ["Slot or turn", "Planned", "Proposed", "Actual"]
        out += ["", *_table(head, ["---", "--:", "--:", "--:"], rows)]
    return out


def _when(prog: Programme, line: Line) -> str:
    """ "16:20:00", or "15:29:10–17:50:02" for an alarm that repeated."""
    first = hms(prog, line.at)
    last = hms(prog, line.until) if line.until is not None else first
    return first if last == first else f"{first}–{last}"


def _start_end(report: Report, prog: Programme) -> str:
    planned = f"planned {short(prog, report.planned_start)}"
    if report.started is None:
        start = f"**Started:** not yet ({planned})"
    else:
        late = _late(report.start_delay)
        start = f"**Started:** {hms(prog, report.started)} ({planned}, {late})"
    planned_end = f"planned {short(prog, report.planned_end)}"
    if report.ended is None:
        end = f"**Ended:** — (the log ends at {hms(prog, report.log_end)}; {planned_end})"
    else:
        end = f"**Ended:** {hms(prog, report.ended)} ({planned_end}, {_late(report.end_delta)})"
    return f"{start} · {end}"


def _late(delta: timedelta | None) -> str:
    if not delta:
        return "on time"
    return f"{signed(delta)} {'late' if delta > ZERO else 'early'}"


def _speakers_md(report: Report, prog: Programme) -> list[str]:
    rows = []
    for s in report.slots:
        for t in s.turns:
            rows.append(
                [s.title, str(t.index + 1), t.speaker, duration(t.planned), opt(t.length),
                 opt(t.delta, signed), t.outcome]
            )  # fmt: skip
        if not s.turns and s.speakers:
            rows.append(
                [s.title, "—", s.speakers, duration(s.planned_length), opt(s.length),
                 opt(s.length_delta, signed), "whole slot"]
            )  # fmt: skip
    if not rows:
        return []
    return [
        "",
        "## Speakers",
        "",
        *_table(
            ["Slot", "Turn", "Speaker", "Planned", "Actual", "Over/under", "Outcome"],
            ["---", "--:", "---", "--:", "--:", "--:", "---"],
            rows,
        ),
    ]


def _obs_md(report: Report, prog: Programme) -> list[str]:
    out = ["", "## Stream, recording and OBS", ""]
    for label, spans in (("Stream", report.stream), ("Recording", report.recording)):
        for span in spans:
            length = (
                f" ({duration(span.end - span.start)})"
                if span.start is not None and span.end is not None
                else ""
            )
            out.append(f"- {label}: {_span(prog, span.start, span.end)}{length}")
    if len(out) == 3:
        out.append("- No stream or recording events in the log.")
    sw = report.switches
    if sw is not None:
        line = f"- Scene switches: {sw.confirmed} confirmed"
        if sw.median is not None and sw.max is not None:
            line += f", delay median {ms(sw.median)}, max {ms(sw.max)}"
        if sw.failed:
            line += f"; {sw.failed} failed (see Alarms)"
        out.append(line)
    return out


def _actions_md(report: Report, prog: Programme) -> list[str]:
    out = ["", "## Operator actions", ""]
    if not report.actions:
        return [*out, "None."]
    counts = ", ".join(f"{n} × {k.replace('_', ' ')}" for k, n in report.action_counts.items())
    out += [f"{len(report.actions)} action(s): {counts}.", ""]
    if any(a.by for a in report.actions):  # logs before sources were recorded have none
        out += _table(
            ["Time", "Action", "Live slot", "By"],
            ["--:", "---", "---", "---"],
            [[hms(prog, a.at), a.text, a.slot or "—", a.by or "—"] for a in report.actions],
        )
        return out
    out += _table(
        ["Time", "Action", "Live slot"],
        ["--:", "---", "---"],
        [[hms(prog, a.at), a.text, a.slot or "—"] for a in report.actions],
    )
    return out
