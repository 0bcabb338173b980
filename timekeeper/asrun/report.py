"""The post-show report: planned versus actual, from an as-run log and its programme.

Why rebuild from the operator actions (like a resume) instead of reading the
logged slot events: the replay gives the same figures the dashboard showed
(extensions, cuts, who cut whom, turns) from one source of truth, and the
logged events serve as its check. OBS and log-health records are read as
they are. Everything is shown in the event's timezone.

`build_report` makes a frozen model; `render(report, fmt)` writes markdown
(to paste into a post-event report), CSV (a row per slot and per turn, for a
spreadsheet) or JSON (the whole model).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from timekeeper.asrun.log import LogContents, LogFormatError
from timekeeper.asrun.resume import (
    ActionAt,
    compare,
    instant,
    logged_actions,
    replay_log,
)
from timekeeper.core.engine import ActionKind, Outcome, ShowState, TurnRecord
from timekeeper.core.programme import Programme, Turn

ZERO = timedelta(0)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
FORMATS = ("markdown", "csv", "json")

# OBS record kinds the report understands (see docs/as-run-log.md).
STREAM_ON = {"stream_started"}
STREAM_OFF = {"stream_stopped", "stream_ended"}
RECORD_ON = {"recording_started", "record_started"}
RECORD_OFF = {"recording_stopped", "record_stopped"}
ALARMS = {
    "scene_switch_failed",
    "obs_disconnected",
    "obs_connect_failed",
    "obs_auth_failed",
    "obs_exiting",
    "scene_override",
    "transition_failed",
    "action_failed",
    "text_failed",
    "obs_error",
}
ACTION_DONE = {"action_done"}


# ---------------------------------------------------------------- the model


class _Ran:
    """A slot or turn as it ran: its actual length once it has ended."""

    actual_start: datetime | None
    actual_end: datetime | None

    @property
    def length(self) -> timedelta | None:
        if self.actual_start is None or self.actual_end is None:
            return None
        return self.actual_end - self.actual_start


@dataclass(frozen=True)
class TurnRow(_Ran):
    slot_id: str
    index: int  # 0-based
    speaker: str
    title: str | None
    planned: timedelta
    actual_start: datetime | None
    actual_end: datetime | None
    outcome: str  # done | ended with the slot | not reached | live

    @property
    def delta(self) -> timedelta | None:
        """Over (+) or under (-) the planned length."""
        return None if self.length is None else self.length - self.planned


@dataclass(frozen=True)
class SlotRow(_Ran):
    index: int
    id: str
    title: str
    hard: bool
    manual: bool
    speakers: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    extension: timedelta  # extensions minus shortenings
    outcome: str  # done | cut | skipped | live | pending
    ended_by: str | None
    cut_by: str | None  # title of the hard slot that cut it
    turns: tuple[TurnRow, ...]
    note: str  # its part of the one-line summary

    @property
    def planned_length(self) -> timedelta:
        return self.planned_end - self.planned_start

    @property
    def start_delta(self) -> timedelta | None:
        """Over/under at its start: positive means late."""
        return None if self.actual_start is None else self.actual_start - self.planned_start

    @property
    def length_delta(self) -> timedelta | None:
        return None if self.length is None else self.length - self.planned_length


@dataclass(frozen=True)
class Interval:
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Line:
    """A timed line of the report: an alarm, an operator action, a message."""

    at: datetime
    kind: str
    text: str
    slot: str | None = None  # title of the slot live at the time


@dataclass(frozen=True)
class Switches:
    confirmed: int
    failed: int
    median: timedelta | None
    max: timedelta | None


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str | None
    date: str  # "20 November 2023"
    venue: str | None
    timezone: str
    run: str  # "live show" | "rehearsal (dry, pretend clock ×20)"
    log: str
    programme: str | None
    planned_start: datetime
    planned_end: datetime
    started: datetime | None  # the first slot's actual start
    ended: datetime | None
    log_end: datetime  # show time of the last record
    slots: tuple[SlotRow, ...]
    stream: tuple[Interval, ...]
    recording: tuple[Interval, ...]
    switches: Switches | None
    alarms: tuple[Line, ...]
    actions: tuple[Line, ...]
    messages: tuple[Line, ...]
    warnings: tuple[str, ...]

    @property
    def start_delay(self) -> timedelta | None:
        return None if self.started is None else self.started - self.planned_start

    @property
    def end_delta(self) -> timedelta | None:
        return None if self.ended is None else self.ended - self.planned_end

    @property
    def action_counts(self) -> dict[str, int]:
        return dict(Counter(a.kind for a in self.actions))

    @property
    def summary(self) -> str:
        """The one-line record of TIMING.md: "Welcome 10:01–10:06 (+1:00); ..."."""
        return "; ".join(s.note for s in self.slots) + "."


# ---------------------------------------------------------------- building it


def build_report(contents: LogContents, programme: Programme) -> Report:
    """The report of the run in `contents`; `programme` is the one it ran (warns if not)."""
    header = contents.header
    if header is None:
        raise LogFormatError(f"{contents.path} has no run header: there is nothing to report")
    records = contents.records
    warnings = list(contents.warnings)
    if header.programme_sha256 and programme.digest and header.programme_sha256 != programme.digest:
        warnings.append(
            f"the programme file has changed since this run (log sha256 "
            f"{header.programme_sha256[:12]}…, file {programme.digest[:12]}…): "
            "planned times are those of the file as it is now"
        )
    times = [t for t in (instant(r.get("at")) for r in records) if t is not None]
    log_end = max([header.started_at, *times])
    played = replay_log(programme, header.started_at, logged_actions(records), log_end)
    mismatches, _ = compare(programme, records, played.events)
    warnings += [f"the replay differs from the log: {m}" for m in mismatches]
    warnings += [
        f"an operator action at {_hms(programme, a.at)} could not be replayed: {a.refused}"
        for a in played.actions
        if a.refused
    ]
    state = played.state
    slots = _slot_rows(state)
    started = next((s.actual_start for s in slots if s.actual_start is not None), None)
    event = programme.event
    return Report(
        title=event.title,
        subtitle=event.subtitle,
        date=f"{event.date.day} {MONTHS[event.date.month - 1]} {event.date.year}",
        venue=event.venue,
        timezone=event.timezone,
        run=_run_words(header.rehearsal, header.mode, header.simulated, header.speed),
        log=contents.path.name,
        programme=programme.source,
        planned_start=programme.start,
        planned_end=programme.slots[-1].end,
        started=started,
        ended=state.ended_at,
        log_end=log_end,
        slots=slots,
        stream=_intervals(records, STREAM_ON, STREAM_OFF, "streaming"),
        recording=_intervals(records, RECORD_ON, RECORD_OFF, "recording"),
        switches=_switches(records),
        alarms=tuple(_alarms(programme, records)),
        actions=tuple(_action_line(programme, a) for a in played.actions),
        messages=tuple(_messages(records)),
        warnings=tuple(warnings),
    )


def _run_words(rehearsal: bool, mode: str, simulated: bool, speed: float) -> str:
    if not rehearsal:
        return "live show"
    clock = f", pretend clock ×{speed:g}" if simulated else ""
    return f"rehearsal ({mode}{clock})"


def _slot_rows(state: ShowState) -> tuple[SlotRow, ...]:
    prog, records = state.programme, state.records
    rows: list[SlotRow] = []
    carried: timedelta | None = None  # end delta of the previous slot that ran
    for i, (slot, rec) in enumerate(zip(prog.slots, records, strict=True)):
        cut_by = None
        if rec.outcome is Outcome.CUT:
            cut_by = next(
                (
                    prog.slots[j].title
                    for j in range(i + 1, len(prog.slots))
                    if prog.slots[j].hard and records[j].actual_start == rec.actual_end
                ),
                None,
            )
        turns = tuple(
            _turn_row(slot.id, j, turn, trec, rec.actual_end, rec.live_turn == j)
            for j, (turn, trec) in enumerate(zip(slot.turns, rec.turns, strict=True))
        )
        row = SlotRow(
            index=i + 1,
            id=slot.id,
            title=slot.title,
            hard=slot.hard,
            manual=slot.manual,
            speakers=slot.speaker_names(),
            planned_start=slot.start,
            planned_end=slot.end,
            actual_start=rec.actual_start,
            actual_end=rec.actual_end,
            extension=rec.adjustment,
            outcome=rec.outcome.value,
            ended_by=rec.ended_by,
            cut_by=cut_by,
            turns=turns,
            note="",
        )
        rows.append(_with_note(prog, row, carried))
        if row.actual_end is not None:
            carried = row.actual_end - row.planned_end
    return tuple(rows)


def _turn_row(
    slot_id: str, j: int, turn: Turn, trec: TurnRecord, slot_end: datetime | None, live: bool
) -> TurnRow:
    if trec.actual_start is None:
        outcome = "not reached"
    elif live or trec.actual_end is None:
        outcome = "live"
    elif trec.actual_end == slot_end:
        outcome = "ended with the slot"
    else:
        outcome = "done"
    return TurnRow(
        slot_id, j, turn.speaker, turn.title, turn.duration, trec.actual_start, trec.actual_end,
        outcome,
    )  # fmt: skip


def _with_note(prog: Programme, row: SlotRow, carried: timedelta | None) -> SlotRow:
    """This slot's part of the summary line: only what this slot changed."""
    if row.outcome == Outcome.SKIPPED.value:
        return _replace_note(row, f"{row.title} (skipped)")
    if row.actual_start is None:
        return _replace_note(row, f"{row.title} (not reached)")
    start = _short(prog, row.actual_start)
    if row.actual_end is None:
        return _replace_note(row, f"{row.title} {start}– (live when the log ends)")
    notes = []
    delta = row.start_delta
    if delta and delta != carried:
        notes.append(signed(delta))
    length = row.length
    assert length is not None
    if length != row.planned_length or row.outcome == Outcome.CUT.value:
        of = _of(length, row.planned_length)
        notes.append(f"cut, {of}" if row.outcome == Outcome.CUT.value else of)
    if row.extension > ZERO:
        notes.append(f"{signed(row.extension)} extension")
    elif row.extension < ZERO:
        notes.append(f"shortened by {duration(-row.extension)}")
    text = f"{row.title} {start}–{_short(prog, row.actual_end)} ({', '.join(notes) or 'on time'})"
    return _replace_note(row, text)


def _replace_note(row: SlotRow, note: str) -> SlotRow:
    return replace(row, note=note)


def _of(actual: timedelta, planned: timedelta) -> str:
    """ "35 of 30 min" when both are whole minutes, else "34:30 of 30:00"."""
    a, p = actual.total_seconds(), planned.total_seconds()
    if a % 60 == 0 and p % 60 == 0:
        return f"{a / 60:.0f} of {p / 60:.0f} min"
    return f"{duration(actual)} of {duration(planned)}"


def _intervals(
    records: Iterable[Mapping[str, Any]], on: set[str], off: set[str], output: str
) -> tuple[Interval, ...]:
    """When an output ran, from its events (or, failing those, from done stream actions)."""
    marks = []
    for rec in records:
        kind, at = rec.get("event"), instant(rec.get("at"))
        if at is None:
            continue
        if kind in on or kind in off:
            marks.append((at, kind in on))
    if not marks:  # no output events: the director's done actions say as much
        for rec in records:
            key, at = rec.get("key"), instant(rec.get("at"))
            if rec.get("event") in ACTION_DONE and isinstance(key, str) and at is not None:
                if key.endswith(f":start_{output}"):
                    marks.append((at, True))
                elif key.endswith(f":stop_{output}"):
                    marks.append((at, False))
    out: list[Interval] = []
    opened: datetime | None = None
    for at, starting in marks:
        if starting and opened is None:
            opened = at
        elif not starting:
            out.append(Interval(opened, at))
            opened = None
    if opened is not None:
        out.append(Interval(opened, None))
    return tuple(out)


def _delay(rec: Mapping[str, Any]) -> timedelta | None:
    """Boundary -> OBS's confirming event; the controller logs it in milliseconds."""
    value = rec.get("confirm_delay")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(milliseconds=value)
    return None


def _switches(records: Iterable[Mapping[str, Any]]) -> Switches | None:
    delays: list[timedelta] = []
    confirmed = failed = 0
    for rec in records:
        if rec.get("event") == "scene_switch_confirmed":
            if str(rec.get("key", "")).endswith(":sync"):
                continue  # a resumed run re-sending the live scene: no boundary to time from
            confirmed += 1
            delay = _delay(rec)
            if delay is not None:
                delays.append(delay)
        elif rec.get("event") == "scene_switch_failed":
            failed += 1
    if not confirmed and not failed:
        return None
    median = (
        timedelta(seconds=statistics.median(d.total_seconds() for d in delays)) if delays else None
    )
    return Switches(confirmed, failed, median, max(delays, default=None))


def _details(rec: Mapping[str, Any]) -> str:
    parts = [
        f"{key} {rec[key]}"
        for key in ("scene", "slot", "key")
        if isinstance(rec.get(key), str | int) and rec.get(key) != ""
    ]
    for key in ("error", "reason", "comment", "text"):
        if rec.get(key):
            parts.append(str(rec[key]))
    return ", ".join(parts)


def _alarms(prog: Programme, records: Iterable[Mapping[str, Any]]) -> list[Line]:
    out = []
    for rec in records:
        at = instant(rec.get("at"))
        if at is None:
            continue
        kind, event = rec.get("record"), str(rec.get("event", ""))
        if kind == "event" and (event in ALARMS or event.endswith("_failed")):
            words = event.replace("_", " ").replace("obs", "OBS")
            detail = _details(rec)
            out.append(Line(at, event, f"{words}: {detail}" if detail else words))
        elif kind == "log_error":
            until = instant(rec.get("until"))
            span = f" from {_hms(prog, at)} until {_hms(prog, until)}" if until else ""
            out.append(
                Line(
                    at,
                    "log_error",
                    f"the as-run log could not be written{span} ({rec.get('error')}); "
                    f"{rec.get('records')} record(s) were kept in memory and written late",
                )
            )
        elif kind == "resume":
            last = instant(rec.get("from"))
            before = f"; its last record before was at {_hms(prog, last)}" if last else ""
            out.append(Line(at, "resume", f"timekeeper restarted and resumed the run{before}"))
    return sorted(out, key=lambda line: line.at)


def _action_line(prog: Programme, row: ActionAt) -> Line:
    action = row.action
    kind = action.kind
    if kind is ActionKind.EXTEND:
        text = (
            f"extend {_minutes(action.minutes)} min"
            if action.minutes >= 0
            else f"shorten {_minutes(-action.minutes)} min"
        )
    elif kind is ActionKind.JUMP:
        target = action.slot or "?"
        with contextlib.suppress(KeyError):
            target = prog.slots[prog.index(target)].title
        text = f"jump to {target}"
    else:
        text = kind.value.replace("_", " ")
    text += _effect(prog, row)
    if row.refused:
        text += f" (not replayed: {row.refused})"
    live = prog.slots[prog.index(row.live)].title if row.live is not None else None
    return Line(row.at, kind.value, text, live)


def _effect(prog: Programme, row: ActionAt) -> str:
    """What an action did, in a few words: "next turn: Seonok Lee"."""
    kinds = {e.kind: e for e in row.produced}
    if "show_ended" in kinds and row.action.kind is not ActionKind.END:
        return " (ends the show)"
    started = kinds.get("slot_started")
    if row.action.kind is ActionKind.NEXT and started is not None and started.slot is not None:
        title = prog.slots[prog.index(started.slot)].title
        return f": {title}" + (" (starts the show)" if "show_started" in kinds else "")
    if row.action.kind is ActionKind.NEXT_TURN:
        turn = kinds.get("turn_started")
        return f": {turn.speaker}" if turn is not None else ": turns done"
    return ""


def _minutes(value: float) -> str:
    return f"{value:g}"


def _messages(records: Iterable[Mapping[str, Any]]) -> list[Line]:
    out = []
    for rec in records:
        at = instant(rec.get("at"))
        if rec.get("event") == "message" and at is not None:
            text = str(rec.get("text") or "")
            out.append(Line(at, "flash" if rec.get("cause") == "flash" else "message", text))
    return out


# ---------------------------------------------------------------- formatting helpers


def duration(value: timedelta) -> str:
    """H:MM:SS or M:SS, rounded to the second; a minus sign when negative."""
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02}:{seconds:02}"
    return f"{sign}{minutes}:{seconds:02}"


def signed(value: timedelta) -> str:
    """Like `duration`, with a plus sign when positive: over/under."""
    text = duration(value)
    return text if text.startswith("-") or text == "0:00" else f"+{text}"


def _hms(prog: Programme, at: datetime) -> str:
    return f"{prog.local(at):%H:%M:%S}"


def _short(prog: Programme, at: datetime) -> str:
    """HH:MM, with seconds only when there are any."""
    local = prog.local(at)
    return f"{local:%H:%M}" if local.second == 0 and local.microsecond == 0 else f"{local:%H:%M:%S}"


def _iso(prog: Programme, at: datetime | None) -> str | None:
    return None if at is None else prog.local(at).isoformat()


def _secs(value: timedelta | None) -> float | int | None:
    if value is None:
        return None
    seconds = value.total_seconds()
    return int(seconds) if seconds == int(seconds) else round(seconds, 3)


def _ms(value: timedelta) -> str:
    ms = value.total_seconds() * 1000
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


# ---------------------------------------------------------------- rendering


def render(report: Report, programme: Programme, fmt: str = "markdown") -> str:
    """The report as markdown, csv or json text."""
    if fmt == "markdown":
        return render_markdown(report, programme)
    if fmt == "csv":
        return render_csv(report, programme)
    if fmt == "json":
        return json.dumps(report_json(report, programme), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _span(prog: Programme, start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return "—" if end is None else f"…–{_hms(prog, end)}"
    return f"{_hms(prog, start)}–{_hms(prog, end) if end is not None else '…'}"


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


def _opt(value: timedelta | None, fn: Callable[[timedelta], str] = duration) -> str:
    return "—" if value is None else fn(value)


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
                f"{_short(prog, s.planned_start)}–{_short(prog, s.planned_end)}",
                _span(prog, s.actual_start, s.actual_end),
                _opt(s.start_delta, signed),
                duration(s.planned_length),
                _opt(s.length),
                _opt(s.length_delta, signed),
                signed(s.extension) if s.extension else "—",
                _outcome_words(s),
            ]
            for s in report.slots
        ],
    )  # fmt: skip
    out += _speakers_md(report, prog)
    out += _obs_md(report, prog)
    out += ["", "## Alarms", ""]
    out += [f"- {_hms(prog, a.at)} {a.text}" for a in report.alarms] or ["None."]
    out += _actions_md(report, prog)
    if report.messages:
        out += ["", "## Messages to the speakers", ""]
        out += [
            f"- {_hms(prog, m.at)} " + (f"“{m.text}”" if m.text else "(cleared)")
            + (" (flash)" if m.kind == "flash" else "")
            for m in report.messages
        ]  # fmt: skip
    if report.warnings:
        out += ["", "## Warnings", ""] + [f"- {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _start_end(report: Report, prog: Programme) -> str:
    planned = f"planned {_short(prog, report.planned_start)}"
    if report.started is None:
        start = f"**Started:** not yet ({planned})"
    else:
        late = _late(report.start_delay)
        start = f"**Started:** {_hms(prog, report.started)} ({planned}, {late})"
    planned_end = f"planned {_short(prog, report.planned_end)}"
    if report.ended is None:
        end = f"**Ended:** — (the log ends at {_hms(prog, report.log_end)}; {planned_end})"
    else:
        end = f"**Ended:** {_hms(prog, report.ended)} ({planned_end}, {_late(report.end_delta)})"
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
                [s.title, str(t.index + 1), t.speaker, duration(t.planned), _opt(t.length),
                 _opt(t.delta, signed), t.outcome]
            )  # fmt: skip
        if not s.turns and s.speakers:
            rows.append(
                [s.title, "—", s.speakers, duration(s.planned_length), _opt(s.length),
                 _opt(s.length_delta, signed), "whole slot"]
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
            line += f", delay median {_ms(sw.median)}, max {_ms(sw.max)}"
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
    out += _table(
        ["Time", "Action", "Live slot"],
        ["--:", "---", "---"],
        [[_hms(prog, a.at), a.text, a.slot or "—"] for a in report.actions],
    )
    return out


CSV_FIELDS = [
    "row", "slot", "slot_id", "turn", "speaker", "planned_start", "planned_end",
    "actual_start", "actual_end", "planned_seconds", "actual_seconds", "start_delta_seconds",
    "length_delta_seconds", "extension_seconds", "outcome", "cut_by",
]  # fmt: skip


def render_csv(report: Report, prog: Programme) -> str:
    """A row per slot and per turn; local ISO times, durations in seconds."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in report.slots:
        writer.writerow(
            {
                "row": "slot",
                "slot": s.title,
                "slot_id": s.id,
                "turn": "",
                "speaker": s.speakers,
                "planned_start": _iso(prog, s.planned_start),
                "planned_end": _iso(prog, s.planned_end),
                "actual_start": _iso(prog, s.actual_start),
                "actual_end": _iso(prog, s.actual_end),
                "planned_seconds": _secs(s.planned_length),
                "actual_seconds": _secs(s.length),
                "start_delta_seconds": _secs(s.start_delta),
                "length_delta_seconds": _secs(s.length_delta),
                "extension_seconds": _secs(s.extension),
                "outcome": s.outcome,
                "cut_by": s.cut_by or "",
            }
        )
        for t in s.turns:
            start = t.actual_start
            writer.writerow(
                {
                    "row": "turn",
                    "slot": s.title,
                    "slot_id": s.id,
                    "turn": t.index + 1,
                    "speaker": t.speaker,
                    "actual_start": _iso(prog, start),
                    "actual_end": _iso(prog, t.actual_end),
                    "planned_seconds": _secs(t.planned),
                    "actual_seconds": _secs(t.length),
                    "length_delta_seconds": _secs(t.delta),
                    "outcome": t.outcome,
                }
            )
    return buf.getvalue()


def report_json(report: Report, prog: Programme) -> dict[str, object]:
    """The whole model, with local ISO times and durations in seconds."""

    def line(item: Line) -> dict[str, object]:
        data: dict[str, object] = {"at": _iso(prog, item.at), "kind": item.kind, "text": item.text}
        if item.slot is not None:
            data["slot"] = item.slot
        return data

    def span(item: Interval) -> dict[str, object]:
        return {"start": _iso(prog, item.start), "end": _iso(prog, item.end)}

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
        "planned_start": _iso(prog, report.planned_start),
        "planned_end": _iso(prog, report.planned_end),
        "started": _iso(prog, report.started),
        "start_delay_seconds": _secs(report.start_delay),
        "ended": _iso(prog, report.ended),
        "end_delta_seconds": _secs(report.end_delta),
        "log_end": _iso(prog, report.log_end),
        "summary": report.summary,
        "slots": [
            {
                "index": s.index,
                "id": s.id,
                "title": s.title,
                "hard": s.hard,
                "manual": s.manual,
                "speakers": s.speakers,
                "planned_start": _iso(prog, s.planned_start),
                "planned_end": _iso(prog, s.planned_end),
                "actual_start": _iso(prog, s.actual_start),
                "actual_end": _iso(prog, s.actual_end),
                "planned_seconds": _secs(s.planned_length),
                "actual_seconds": _secs(s.length),
                "start_delta_seconds": _secs(s.start_delta),
                "length_delta_seconds": _secs(s.length_delta),
                "extension_seconds": _secs(s.extension),
                "outcome": s.outcome,
                "ended_by": s.ended_by,
                "cut_by": s.cut_by,
                "turns": [
                    {
                        "turn": t.index + 1,
                        "speaker": t.speaker,
                        "title": t.title,
                        "planned_seconds": _secs(t.planned),
                        "actual_start": _iso(prog, t.actual_start),
                        "actual_end": _iso(prog, t.actual_end),
                        "actual_seconds": _secs(t.length),
                        "delta_seconds": _secs(t.delta),
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
        "warnings": list(report.warnings),
    }
