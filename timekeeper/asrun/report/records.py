"""The report's lines read straight from the log's records: outputs, switches, alarms, actions.

Owns which OBS and log-health record kinds the report understands (see
docs/as-run-log.md) and how they read: when the stream and the recording ran,
the scene-switch summary, the alarms (OBS trouble, log write errors,
restarts; repeats as one line with span and count), the operator actions with
what they did, and the messages to the speakers. It must not replay the run or render.
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from timekeeper.asrun.repeats import Repeats, alarm_reason
from timekeeper.asrun.report.model import Interval, Line, Switches
from timekeeper.asrun.report.text import hms
from timekeeper.asrun.resume import ActionAt, instant
from timekeeper.core.alarms import ALARM_KINDS
from timekeeper.core.engine import ActionKind
from timekeeper.core.programme import Programme

# OBS record kinds the report understands (see docs/as-run-log.md).
STREAM_ON = {"stream_started"}
STREAM_OFF = {"stream_stopped", "stream_ended"}
RECORD_ON = {"recording_started", "record_started"}
RECORD_OFF = {"recording_stopped", "record_stopped"}
ACTION_DONE = {"action_done"}


def intervals(
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


def switches(records: Iterable[Mapping[str, Any]]) -> Switches | None:
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
    if not parts and rec.get("message"):
        parts.append(str(rec["message"]))  # e.g. another timekeeper: who and where
    return ", ".join(parts)


def alarms(prog: Programme, records: Iterable[Mapping[str, Any]]) -> list[Line]:
    """The alarms in time order; a repeated alarm is one line with its span and count
    (the rule is in `timekeeper.asrun.repeats`)."""
    out: list[Line] = []
    repeats = Repeats()
    where: dict[str, int] = {}  # series id -> its line in `out`
    for rec in records:
        at = instant(rec.get("at"))
        if at is None:
            continue
        kind, event = rec.get("record"), str(rec.get("event", ""))
        if kind == "event" and (event in ALARM_KINDS or event.endswith("_failed")):
            words = event.replace("_", " ").replace("obs", "OBS")
            detail = _details(rec)
            series = repeats.feed(rec, at, alarm_reason(rec), instant(rec.get("real_at")))
            if series is not None and series.count > 1:
                line = Line(series.first, event, series.text(), until=at, count=series.count)
                out[where[series.series_id]] = line
                continue
            if series is not None:
                where[series.series_id] = len(out)
            out.append(Line(at, event, f"{words}: {detail}" if detail else words))
        elif kind == "event":
            repeats.feed(rec, at, real=instant(rec.get("real_at")))  # a recovery ends series
        elif kind == "log_error":
            until = instant(rec.get("until"))
            span = f" from {hms(prog, at)} until {hms(prog, until)}" if until else ""
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
            before = f"; its last record before was at {hms(prog, last)}" if last else ""
            out.append(Line(at, "resume", f"timekeeper restarted and resumed the run{before}"))
    return sorted(out, key=lambda line: line.at)


def action_sources(records: Iterable[Mapping[str, Any]]) -> list[str | None]:
    """Who took each logged operator action (in the order `logged_actions` reads them)."""
    out: list[str | None] = []
    for rec in records:
        action, at = rec.get("action"), instant(rec.get("at"))
        if rec.get("event") == "operator" and isinstance(action, dict) and at is not None:
            source = rec.get("source")
            out.append(str(source) if source else None)
    return out


def obs_commands(prog: Programme, records: Iterable[Mapping[str, Any]]) -> list[Line]:
    """The operators' OBS commands (re-send the scene, automatic switching), with who asked."""
    out = []
    for rec in records:
        at = instant(rec.get("at"))
        if rec.get("event") == "obs_command" and at is not None:
            command = {"resend": "re-send the scene", "auto": "automatic switching"}.get(
                str(rec.get("command")), str(rec.get("command"))
            )
            result = f": {rec['result']}" if rec.get("result") else ""
            by = str(rec["source"]) if rec.get("source") else None
            out.append(Line(at, "obs_command", f"OBS {command}{result}", by=by))
    return out


def action_line(prog: Programme, row: ActionAt, by: str | None = None) -> Line:
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
    return Line(row.at, kind.value, text, live, by)


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


def messages(records: Iterable[Mapping[str, Any]]) -> list[Line]:
    out = []
    for rec in records:
        at = instant(rec.get("at"))
        if rec.get("event") == "message" and at is not None:
            text = str(rec.get("text") or "")
            kind = "flash" if rec.get("cause") == "flash" else "message"
            source = rec.get("source")
            out.append(Line(at, kind, text, by=str(source) if source else None))
    return out
