"""The report's planned-versus-actual timeline as one inline SVG (for `render_html`).

Owns the drawing: a time axis in the event's timezone; lanes for the stream,
the recording (when each was on air) and the alarms (a mark at each); then a
row per slot with its planned bar above its actual bar (coloured by outcome:
done, cut, live, skipped, not reached), the part of an actual bar that the
operator's extensions added, a cut's mark and who cut it, the over/under at
the end; under a slot with turns, a thin row per turn, planned and as run.
Holds are shaded bands across the whole chart. Every bar carries
`data-slot`/`data-turn` and a <title> (a tooltip in a browser), so the
drawing is checkable as XML. It must not build the report or read the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

from timekeeper.asrun.report.model import Interval, Line, Report, SlotRow
from timekeeper.asrun.report.text import duration, hms, opt, short, signed
from timekeeper.core.programme import Programme

WIDTH = 1200
LABELS = 250  # the left column: slot and turn names
RIGHT = 70  # room for the over/under after the last bar
ROW = 30
TURN_ROW = 16
LANE = 18
AXIS = 26
COLOURS = {
    "planned": "#c4c9d0",
    "done": "#2f6fca",
    "cut": "#c62828",
    "live": "#7b3fb0",
    "extension": "#f39c12",
    "stream": "#2e9e5b",
    "recording": "#a8326e",
    "alarm": "#e0001b",
    "hold": "#fff1b8",
}
STEPS_MIN = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
CSS = """
svg.timeline { font: 11px system-ui, sans-serif; }
svg.timeline .label { fill: #222; }
svg.timeline .turn-label { fill: #555; }
svg.timeline .tick { stroke: #e3e6ea; }
svg.timeline .tick-label { fill: #666; text-anchor: middle; }
svg.timeline .delta { fill: #333; }
svg.timeline .late { fill: #b71c1c; }
svg.timeline .skipped { fill: none; stroke: #8a939e; stroke-dasharray: 3 2; }
svg.timeline .pending { fill: none; stroke: #c4c9d0; stroke-dasharray: 1 2; }
"""


@dataclass(frozen=True)
class Scale:
    """Instants to x: the axis runs from t0 to t1 across the plot."""

    t0: datetime
    t1: datetime
    left: float = LABELS
    width: float = WIDTH - LABELS - RIGHT

    def x(self, at: datetime) -> float:
        span = (self.t1 - self.t0).total_seconds() or 1.0
        offset = (at.astimezone(UTC) - self.t0).total_seconds()
        return round(self.left + offset / span * self.width, 2)

    def w(self, start: datetime, end: datetime) -> float:
        return round(max(self.x(end) - self.x(start), 1.0), 2)


def _step(span: timedelta) -> timedelta:
    """A tick every 1, 2, 5, 10, 15, 30 min, 1 h, …: the first that gives at most 14 ticks."""
    minutes = span.total_seconds() / 60
    for step in STEPS_MIN:
        if minutes / step <= 14:
            return timedelta(minutes=step)
    return timedelta(days=1)


def _floor(at: datetime, step: timedelta, prog: Programme) -> datetime:
    local = prog.local(at)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = int((local.astimezone(UTC) - midnight.astimezone(UTC)) / step)
    return midnight.astimezone(UTC) + step * steps


def scale_for(report: Report, prog: Programme) -> Scale:
    """From the earliest to the latest instant shown, rounded out to whole ticks."""
    instants = [report.planned_start, report.planned_end, report.log_end]
    for s in report.slots:
        instants += [t for t in (s.actual_start, s.actual_end) if t is not None]
    for span in (*report.stream, *report.recording):
        instants += [t for t in (span.start, span.end) if t is not None]
    instants += [a.at for a in report.alarms]
    first, last = min(instants), max(instants)
    step = _step(last - first)
    t0 = _floor(first, step, prog)
    t1 = _floor(last, step, prog)
    if t1 < last:
        t1 += step
    return Scale(t0, t1 if t1 > t0 else t0 + step)


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _rect(x: float, y: float, w: float, h: float, fill: str | None, extra: str = "") -> str:
    paint = f' fill="{fill}"' if fill else ""
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}"{paint}{extra}'


def _text(x: float, y: float, text: str, cls: str, anchor: str = "start") -> str:
    return (f'<text x="{x}" y="{y}" class="{cls}" text-anchor="{anchor}">'
            f"{escape(text)}</text>")  # fmt: skip


def _clip(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _holds(report: Report) -> list[Interval]:
    out: list[Interval] = []
    opened: datetime | None = None
    for action in report.actions:
        if action.kind == "hold" and opened is None:
            opened = action.at
        elif action.kind == "release" and opened is not None:
            out.append(Interval(opened, action.at))
            opened = None
    if opened is not None:
        out.append(Interval(opened, None))
    return out


def render_svg(report: Report, prog: Programme) -> str:
    """The whole timeline as an <svg> element."""
    scale = scale_for(report, prog)
    body: list[str] = []
    y = AXIS
    for name, spans in (("stream", report.stream), ("recording", report.recording)):
        body += _lane(name, spans, report.log_end, y, scale, prog)
        y += LANE
    body += _alarms(report.alarms, y, scale, prog)
    y += LANE + 6
    top = y
    for row in report.slots:
        body += _slot(row, y, scale, prog)
        y += ROW + TURN_ROW * len(row.turns)
    height = y + 8
    back = _axis(scale, prog, height) + _hold_bands(report, scale, prog, top, height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="Planned versus actual timeline">' + "".join(back + body) + "</svg>"
    )


def _axis(scale: Scale, prog: Programme, height: float) -> list[str]:
    out = []
    step = _step(scale.t1 - scale.t0)
    at = scale.t0
    while at <= scale.t1:
        x = scale.x(at)
        label = short(prog, at)
        out.append(f'<line class="tick" x1="{x}" y1="{AXIS - 6}" x2="{x}" y2="{height}"/>')
        out.append(
            f'<text x="{x}" y="{AXIS - 10}" class="tick-label" data-at="{at.isoformat()}">'
            f"{label}</text>"
        )
        at = at + step
    return out


def _hold_bands(
    report: Report, scale: Scale, prog: Programme, top: float, height: float
) -> list[str]:
    out = []
    for span in _holds(report):
        start = span.start or report.planned_start
        end = span.end or report.log_end
        words = f"hold {hms(prog, start)}–" + (
            hms(prog, span.end) if span.end else "(not released)"
        )
        out.append(
            _rect(scale.x(start), top - 4, scale.w(start, end), height - top, COLOURS["hold"],
                  ' class="hold">') + _title(words) + "</rect>"
        )  # fmt: skip
        out.append(_text(scale.x(start) + 2, top + 6, "hold", "label"))
    return out


def _lane(
    name: str, spans: tuple[Interval, ...], log_end: datetime, y: float, scale: Scale,
    prog: Programme,
) -> list[str]:  # fmt: skip
    out = [_text(8, y + 11, f"{name.capitalize()} on air", "label")]
    for span in spans:
        start = span.start or scale.t0
        end = span.end or log_end
        words = f"{name} {hms(prog, start) if span.start else '…'}–" + (
            hms(prog, span.end) if span.end else "(still on when the log ends)"
        )
        out.append(_rect(scale.x(start), y + 2, scale.w(start, end), LANE - 6, COLOURS[name],
                         f' class="{name}">') + _title(words) + "</rect>")  # fmt: skip
    return out


def _alarms(alarms: tuple[Line, ...], y: float, scale: Scale, prog: Programme) -> list[str]:
    out = [_text(8, y + 11, "OBS alarms", "label")]
    for alarm in alarms:
        x = scale.x(alarm.at)
        points = f"{x - 5},{y + 2} {x + 5},{y + 2} {x},{y + LANE - 4}"
        out.append(
            f'<polygon class="alarm" points="{points}" fill="{COLOURS["alarm"]}" '
            f'data-at="{alarm.at.isoformat()}">'
            + _title(f"{hms(prog, alarm.at)} {alarm.text}")
            + "</polygon>"
        )
    return out


def _slot(row: SlotRow, y: float, scale: Scale, prog: Programme) -> list[str]:
    name = row.title + (" (hard)" if row.hard else "") + (" (manual)" if row.manual else "")
    out = [_text(8, y + 18, _clip(f"{row.index}. {name}"), "label") + ""]
    planned = (f"{row.title}: planned {short(prog, row.planned_start)}–"
               f"{short(prog, row.planned_end)} ({duration(row.planned_length)})")  # fmt: skip
    sid = escape(row.id)
    out.append(_rect(scale.x(row.planned_start), y + 4, scale.w(row.planned_start, row.planned_end),
                     10, COLOURS["planned"], f' class="planned" data-slot="{sid}">')
               + _title(planned) + "</rect>")  # fmt: skip
    if row.actual_start is None:
        cls = "skipped" if row.outcome == "skipped" else "pending"
        out.append(_rect(scale.x(row.planned_start), y + 16,
                         scale.w(row.planned_start, row.planned_end), 10, None,
                         f' class="{cls}" data-slot="{sid}">')
                   + _title(f"{row.title}: {'skipped' if cls == 'skipped' else 'not reached'}")
                   + "</rect>")  # fmt: skip
        return out
    end = row.actual_end or scale.t1
    colour = COLOURS.get(row.outcome, COLOURS["done"])
    ran = (f"{row.title}: ran {hms(prog, row.actual_start)}–"
           f"{hms(prog, row.actual_end) if row.actual_end else '(live)'} "
           f"({opt(row.length)}), {row.outcome}")  # fmt: skip
    out.append(_rect(scale.x(row.actual_start), y + 16, scale.w(row.actual_start, end), 10,
                     colour, f' class="actual outcome-{row.outcome}" data-slot="{sid}">')
               + _title(ran) + "</rect>")  # fmt: skip
    if row.extension > timedelta():
        ext_start = min(row.actual_start + row.planned_length, end)
        ext_end = min(ext_start + row.extension, end)
        out.append(_rect(scale.x(ext_start), y + 16, scale.w(ext_start, ext_end), 10,
                         COLOURS["extension"], f' class="extension" data-slot="{sid}">')
                   + _title(f"{row.title}: extended {signed(row.extension)}")
                   + "</rect>")  # fmt: skip
    after = scale.x(end) + 4
    if row.outcome == "cut":
        out.append(f'<path class="cut-mark" d="M{scale.x(end)},{y + 13} v16" '
                   f'stroke="{COLOURS["cut"]}" stroke-width="3"/>')  # fmt: skip
        out.append(_text(after, y + 25, f"cut by {row.cut_by}" if row.cut_by else "cut", "late"))
    elif row.length_delta:
        cls = "late" if row.length_delta > timedelta() else "delta"
        out.append(_text(after, y + 25, signed(row.length_delta), cls))
    for turn in row.turns:
        out += _turn(row, turn.index, y + ROW + TURN_ROW * turn.index, scale, prog)
    return out


def _turn(row: SlotRow, index: int, y: float, scale: Scale, prog: Programme) -> list[str]:
    turn = row.turns[index]
    start = row.planned_start + sum((t.planned for t in row.turns[:index]), timedelta())
    end = start + turn.planned
    tid = f'data-slot="{escape(row.id)}" data-turn="{index}"'
    out = [_text(24, y + 11, _clip(turn.speaker, 34), "turn-label")]
    out.append(_rect(scale.x(start), y + 2, scale.w(start, end), 5, COLOURS["planned"],
                     f' class="turn-planned" {tid}>')
               + _title(f"{turn.speaker}: planned {duration(turn.planned)}")
               + "</rect>")  # fmt: skip
    if turn.actual_start is not None:
        ran_end = turn.actual_end or row.actual_end or scale.t1
        colour = COLOURS["done"] if turn.outcome == "done" else COLOURS["live"]
        if turn.outcome == "ended with the slot" and row.outcome == "cut":
            colour = COLOURS["cut"]
        out.append(_rect(scale.x(turn.actual_start), y + 8, scale.w(turn.actual_start, ran_end), 5,
                         colour, f' class="turn-actual" {tid}>')
                   + _title(f"{turn.speaker}: spoke {opt(turn.length)} ({turn.outcome})")
                   + "</rect>")  # fmt: skip
    return out
