"""What each panel shows, as frozen values computed from a Status (no Textual here).

The screen recomputes every view each frame from `session.status()`; a widget
holds its view in a reactive, and reactives compare with `!=`, so a panel
repaints only when what it shows really changed (no flicker, little CPU). Being
pure, every sentence the operator reads can be tested without a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from timekeeper.core.engine import Mode, Outcome
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.core.proposal import Proposal
from timekeeper.core.status import Countdown, SlotView, Status
from timekeeper.core.text import inert
from timekeeper.programme.difftext import signed
from timekeeper.programme.proposaltext import explain
from timekeeper.ui import format as fmt

ZERO = timedelta(0)
IDLE = "idle"  # the phase of a countdown that is not a slot's (before, between, ended)


@dataclass(frozen=True)
class ShowInfo:
    """What the panels need besides the Status: title, timezone, what kind of run this is."""

    title: str
    tz: tzinfo
    rehearsal: bool = False
    simulated: bool = False  # a pretend clock: the header says so beside the time
    run_mode: RunMode = RunMode.LIVE
    speed: float = 1.0


@dataclass(frozen=True)
class HeaderView:
    title: str
    clock: str
    status: str  # ON TIME | +3:12 LATE | −1:05 EARLY | ENDED +2:10 LATE
    kind: str  # ontime | late | early
    held: bool
    cut: str = ""  # "✂ until Reception, 17:30 — hard start" while a hard start cuts the live slot


@dataclass(frozen=True)
class BannerView:
    text: str  # empty: no banner (the live show on the real clock)


@dataclass(frozen=True)
class LiveView:
    heading: str
    title: str
    speakers: str
    digits: str  # empty: no big countdown (far away, or nothing to count)
    phase: str  # a Phase value, or IDLE
    caption: tuple[str, str, str]  # three short lines beside the big countdown
    progress: float | None
    detail: str
    held: bool


@dataclass(frozen=True)
class TurnsView:
    visible: bool
    heading: str = ""
    speaker: str = ""
    digits: str = ""
    phase: str = IDLE
    caption: str = ""
    lines: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class NextView:
    title: str
    when: str
    planned: str
    hard: bool
    delta: str
    kind: str  # ontime | late | early | none


@dataclass(frozen=True)
class TimelineRow:
    key: str
    cells: tuple[str, ...]
    state: str  # done | cut | skipped | live | next | pending
    alert: bool = False  # a coming slot that cannot go on air as planned (its scene is missing)


TIMELINE_COLUMNS = ("Slot", "Plan", "Expected", "Actual", "Dur", "Ran", "±", "Status")


def header_view(status: Status, info: ShowInfo) -> HeaderView:
    clock = fmt.hms(status.at, info.tz)
    if info.simulated:
        clock = f"pretend {clock}"
    if status.mode is Mode.ENDED or status.next is None:
        text, kind = fmt.lateness(status.end_delta)
        if status.mode is Mode.ENDED:
            text = f"ENDED {text}"
    else:
        text, kind = fmt.lateness(status.over_under or ZERO)
    cut = status.countdown.cut if status.countdown is not None else None
    return HeaderView(info.title, clock, text, kind, status.held, f"✂ {cut.label}" if cut else "")


def banner_view(info: ShowInfo) -> BannerView:
    """The REHEARSAL line: never absent when the clock pretends or OBS is spared."""
    if not info.rehearsal:
        return BannerView("")
    what = {
        RunMode.DRY: "DRY RUN: nothing is sent to OBS",
        RunMode.DRESS: "DRESS REHEARSAL: scenes switch, stream and record never start",
    }.get(info.run_mode, "pretend clock")
    return BannerView(f"REHEARSAL {fmt.speed(info.speed)} — {what}")


def live_view(status: Status, info: ShowInfo) -> LiveView:
    if status.mode is Mode.LIVE and status.live is not None and status.countdown is not None:
        return _live_slot(status, status.live, status.countdown, info)
    if status.mode is Mode.ENDED:
        return _ended(status, info)
    return _waiting(status, info)


def _live_slot(status: Status, live: SlotView, cd: Countdown, info: ShowInfo) -> LiveView:
    slot = live.slot
    over = cd.remaining < ZERO
    length = fmt.clock(cd.duration)
    due = fmt.hms(cd.deadline, info.tz)
    lines = (
        "OVERTIME" if over else f"left of {length}",
        f"was due {due}" if over else f"ends {due}",
        _adjustment(live.adjustment) or ("cut by hard start" if live.squeezed else ""),
    )
    if cd.cut is not None:  # the digits count to the hard start, not to its own deadline
        lines = (
            cd.cut.label,
            f"cut short: was to end {fmt.hms(cd.cut.deadline, info.tz)}",
            _adjustment(live.adjustment),
        )
    started = live.actual_start or cd.start
    detail = (
        f"planned {fmt.hm(slot.start, info.tz)} · started {fmt.hms(started, info.tz)}"
        f" ({fmt.signed(started - slot.start)})"
    )
    return LiveView(
        heading=f"LIVE {live.index + 1}/{len(status.slots)}",
        title=inert(slot.title),
        speakers=inert(slot.speaker_names()),
        digits=fmt.countdown(cd.remaining),
        phase=cd.phase.value,
        caption=lines,
        progress=cd.progress,
        detail=detail,
        held=status.held,
    )


def _adjustment(adjustment: timedelta) -> str:
    if adjustment == ZERO:
        return ""
    word = "extended" if adjustment > ZERO else "shortened"
    return f"{word} {fmt.signed(adjustment)}"


def _waiting(status: Status, info: ShowInfo) -> LiveView:
    """Before the show or between slots: count down to the next expected start."""
    before = status.mode is Mode.BEFORE
    heading = "BEFORE THE SHOW" if before else "BETWEEN SLOTS"
    nxt, until = status.next, status.until_next
    if nxt is None or until is None:
        return LiveView(heading, "", "", "", IDLE, ("", "", ""), None, "", status.held)
    start = nxt.expected_start
    big = until >= timedelta(days=1)
    digits = "" if big else fmt.countdown(max(until, ZERO))
    first = f"starts in {fmt.far(until)}" if big else "until it starts"
    caption = (first, f"at {fmt.hms(start, info.tz)}", "HARD start" if nxt.slot.hard else "")
    detail = f"planned {fmt.hm(nxt.slot.start, info.tz)}"
    if before:
        detail += f" · {nxt.slot.start.astimezone(info.tz):%a %d %b %Y}"
        if status.held:
            detail += " · held: the show waits for n"
    else:
        prev = _previous(status)
        if prev is not None:
            detail += f" · {inert(prev.slot.title)} ended {fmt.hms(prev.actual_end, info.tz)}"
    title = f"Next: {inert(nxt.slot.title)}"
    names = inert(nxt.slot.speaker_names())
    return LiveView(heading, title, names, digits, IDLE, caption, None, detail, status.held)


def _previous(status: Status) -> SlotView | None:
    done = [v for v in status.slots if v.actual_end is not None]
    return max(done, key=lambda v: v.actual_end or v.planned_start) if done else None


def _ended(status: Status, info: ShowInfo) -> LiveView:
    ended = status.ended_at or status.at
    text, _ = fmt.lateness(status.end_delta)
    caption = (f"at {fmt.hms(ended, info.tz)}", text, "")
    detail = f"planned end {fmt.hm(max(v.planned_end for v in status.slots), info.tz)}"
    clock = ended.astimezone(info.tz).strftime("%H:%M")
    return LiveView(
        "SHOW ENDED", "All slots done", "", clock, IDLE, caption, None, detail, status.held
    )


def turns_view(status: Status, info: ShowInfo) -> TurnsView:
    """The live speaker turn, its own countdown and who follows; free time after the last."""
    if status.mode is not Mode.LIVE or not status.turns:
        return TurnsView(visible=False)
    count = len(status.turns)
    turn, cd = status.turn, status.turn_countdown
    if turn is None or cd is None:
        remaining = status.countdown.remaining if status.countdown else ZERO
        return TurnsView(
            visible=True,
            heading=f"TURNS DONE {count}/{count}",
            speaker="Free time",
            digits=fmt.countdown(remaining),
            phase=status.countdown.phase.value if status.countdown else IDLE,
            caption="left in the slot",
            lines=("the moderator, the discussion", ""),
        )
    later = [t for t in status.turns if t.index > turn.index]
    lines = [
        f"{label} {inert(t.turn.speaker)} {fmt.hm(t.expected_start, info.tz)}"
        for label, t in zip(("next", "then"), later, strict=False)
    ]
    if len(lines) < 2:
        lines.append("then free time" if lines else "next: free time")
    if len(lines) < 2:
        lines.append("")
    over = cd.remaining < ZERO
    length = fmt.clock(cd.duration)
    return TurnsView(
        visible=True,
        heading=f"TURN {turn.index + 1}/{count}",
        speaker=inert(
            f"{turn.turn.speaker} · {turn.turn.title}" if turn.turn.title else turn.turn.speaker
        ),
        digits=fmt.countdown(cd.remaining),
        phase=cd.phase.value,
        caption=_turn_caption(cd, over, length),
        lines=(lines[0], lines[1]),
    )


def _turn_caption(cd: Countdown, over: bool, length: str) -> str:
    if cd.cut is not None:
        return f"left: cut short\n{cd.cut.label}"
    return f"OVERTIME\n{length} turn" if over else f"left of {length}"


def next_view(status: Status, info: ShowInfo) -> NextView:
    nxt = status.next
    if status.mode is Mode.ENDED:
        return NextView("the show has ended", "", "", False, "", "none")
    if nxt is None:
        return NextView("nothing: this is the last slot", "", "", False, "", "none")
    delta = nxt.start_delta or ZERO
    text, kind = fmt.lateness(delta)
    return NextView(
        title=inert(nxt.slot.title),
        when=f"at {fmt.hms(nxt.expected_start, info.tz)}",
        planned=f"(planned {fmt.hm(nxt.slot.start, info.tz)})",
        hard=nxt.slot.hard,
        delta=text,
        kind=kind,
    )


def timeline_rows(
    status: Status, info: ShowInfo, missing_scenes: Mapping[str, str | None] | None = None
) -> tuple[TimelineRow, ...]:
    """One row per slot; `missing_scenes` (scene -> closest name in OBS) flags coming slots."""
    next_index = status.next.index if status.next is not None else None
    missing = missing_scenes or {}
    return tuple(_row(v, status, info, v.index == next_index, missing) for v in status.slots)


def _row(
    view: SlotView,
    status: Status,
    info: ShowInfo,
    is_next: bool,
    missing: Mapping[str, str | None],
) -> TimelineRow:
    slot = view.slot
    state = {
        Outcome.DONE: "done",
        Outcome.CUT: "cut",
        Outcome.SKIPPED: "skipped",
        Outcome.LIVE: "live",
    }.get(view.outcome, "next" if is_next else "pending")
    title = f"⚑ {inert(slot.title)}" if slot.hard else inert(slot.title)
    cut = status.countdown.cut if status.countdown is not None else None
    if view.outcome is Outcome.LIVE and cut is not None:
        title = f"{title} ✂ {cut.label}"
    ran = ""
    if view.actual_start is not None:
        end = view.actual_end or status.at
        ran = fmt.clock(end - view.actual_start)
    started = view.outcome is not Outcome.PENDING
    delta = "" if view.start_delta is None else fmt.signed(view.start_delta)
    label = {"pending": "", "next": "next"}.get(state, state)
    if view.squeezed and state in ("live", "next", "pending"):
        label = (label + " ✂").strip()
    alert = state in ("next", "pending") and slot.scene is not None and slot.scene in missing
    if alert:
        closest = missing[slot.scene or ""]
        hint = f", closest {closest!r}" if closest else ""
        title = f"⚠ {title}: no scene {slot.scene!r} in OBS{hint}"
        label = (label + " ⚠").strip()
    cells = (
        title,
        fmt.hm(slot.start, info.tz),
        "" if started else fmt.hms(view.expected_start, info.tz),
        fmt.hms(view.actual_start, info.tz) if view.actual_start else "",
        fmt.minutes(slot.duration + view.adjustment),
        ran,
        delta,
        label,
    )
    return TimelineRow(slot.id, cells, state, alert)


def proposal_lines(proposal: Proposal | None, programme: Programme) -> tuple[str, ...]:
    """The running-late banner: the headline with its keys, then the changes on one line."""
    if proposal is None:
        return ()
    first = f"RUNNING LATE {signed(proposal.late)} · proposal: l accepts (u undoes) · x dismisses"
    return first, " · ".join(explain(proposal, programme))


def remote_line(data: Mapping[str, object], tz: tzinfo) -> str:
    """The dashboard's line for a remote action: "Remote 16:10:02 · api:companion · next: …"."""
    when = ""
    at = data.get("at")
    if isinstance(at, str):
        with contextlib.suppress(ValueError):
            when = f"{datetime.fromisoformat(at).astimezone(tz):%H:%M:%S} "
    by = data.get("by") or "remote"
    what = data.get("message") or data.get("action") or ""
    return inert(f" Remote {when}· {by} · {what}")
