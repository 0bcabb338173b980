"""What a speaker screen shows at one instant, from the last snapshot and the clock anchor.

`compute_display` is the one description of the speaker screen: the terminal
app renders its `Display`, and the page's JavaScript (static/speaker.js)
mirrors it (the browser tests compare the two). Pure: the instants are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from timekeeper.core.countdown import Phase, countdown_text
from timekeeper.core.status import Countdown
from timekeeper.speaker.clocksync import ClockSync
from timekeeper.speaker.snapshot import LiveSlot, LiveTurn, NextSlot, Snapshot, Times


@dataclass(frozen=True)
class Display:
    """Everything a speaker screen shows at one instant (terminal and page alike)."""

    digits: str  # "04:59", "+00:12", "1:02:03", "--:--" (core.countdown's text)
    phase: str  # normal | warning | danger | overtime (a core.countdown.Phase value)
    label: str  # "Starts in", "Remaining", "Overtime", "Remaining until Reception, 17:30 — …"
    name: str  # the live speaker (the turn's, else the slot's speakers)
    title: str  # the live slot's title (before/between: the next slot's)
    next: str  # "Next: Wike Been, 5:00", "Next: Q&A at 17:10"
    slot_line: str  # the slot's own countdown while a turn runs inside it
    clock: str  # time of day on the show clock, event timezone
    event: str
    rehearsal: str  # "" or "REHEARSAL ×10"
    message: str
    flash: bool
    disconnected: bool
    status: str  # "" when connected, else what the follower is doing about it
    blink_on: bool  # the on half of the blink cycle (overtime digits, flashing message)
    cut: str = ""  # "until Reception, 17:30 — hard start": a hard start cuts the digits' count

    @property
    def overtime(self) -> bool:
        return self.phase == Phase.OVERTIME


def countdown_at(times: Times, now: datetime) -> tuple[str, Phase]:
    """The digits and phase of a countdown at show instant `now`: the core's one rule."""
    cd = Countdown(times.start, times.deadline, times.warning_at, times.danger_at, now, times.cut)
    return countdown_text(cd.remaining), cd.phase


def _clock(instant_: datetime, tz: str) -> str:
    return instant_.astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")


def _hhmm(instant_: datetime, tz: str) -> str:
    return instant_.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _blink(local: datetime) -> bool:
    """On for the first half of each local second: blinks at the same rate in any rehearsal."""
    return (local.microsecond // 500_000) == 0


def waiting_display(status: str, local: datetime) -> Display:
    """Before any state has arrived: say so plainly instead of showing a made-up time."""
    return Display(
        digits="--:--",
        phase="normal",
        label="Waiting for the show",
        name="",
        title="",
        next="",
        slot_line="",
        clock="",
        event="",
        rehearsal="",
        message="",
        flash=False,
        disconnected=True,
        status=status,
        blink_on=_blink(local),
    )


def follow(
    snap: Snapshot | None, local: datetime, sync: ClockSync | None, connected: bool, url: str = ""
) -> Display:
    """What a follower shows at local instant `local` from the last state it received."""
    if snap is None or sync is None:
        return waiting_display(f"Connecting to {url} — retrying…" if url else "Connecting…", local)
    status = "" if connected else "DISCONNECTED — reconnecting…"
    return compute_display(snap, sync.show_at(local), local, status)


def _budget(seconds: float | None) -> str:
    """ ", 5:00": the next turn's length, as a running order states it (mirror: speaker.js)."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f", {hours}:{minutes:02d}:{secs:02d}" if hours else f", {minutes}:{secs:02d}"


def compute_display(snap: Snapshot, now: datetime, local: datetime, status: str = "") -> Display:
    """The display at show instant `now` (`local` only paces the blinking)."""
    digits, phase, label, name, title, nxt, slot_line = "--:--", "normal", "", "", "", "", ""
    cut = ""
    tz = snap.timezone
    if snap.mode == "live" and snap.live is not None:
        live = snap.live
        digits, phase, label, slot_line, cut = _live_countdown(live, snap.turn, now)
        title = live.title
        name = snap.turn.speaker if snap.turn is not None else ", ".join(live.speakers)
        if snap.next_turn is not None:
            nxt = f"Next: {snap.next_turn}" + _budget(snap.next_turn_seconds)
        elif snap.next is not None:
            nxt = _next_slot(snap.next, tz)
    elif snap.mode in {"before", "between"} and snap.next is not None:
        start = snap.next.expected_start or snap.next.planned_start
        until = start - now
        digits = countdown_text(max(until, timedelta(0)))
        label = (
            ("Starts in" if snap.mode == "before" else "Next in")
            if until > timedelta(0)
            else "Starting"
        )
        title = snap.next.title
        name = ", ".join(snap.next.speakers)
        nxt = f"At {_hhmm(start, tz)}"
    elif snap.mode == "ended":
        digits = _hhmm(now, tz)
        label = "The show has ended"
    message = snap.message
    return Display(
        digits=digits,
        phase=phase,
        label=label,
        name=name,
        title=title,
        next=nxt,
        slot_line=slot_line,
        clock=_clock(now, tz),
        event=snap.title,
        rehearsal=_rehearsal(snap),
        message=message.text if message is not None else "",
        flash=message.flash if message is not None else False,
        disconnected=bool(status),
        status=status,
        blink_on=_blink(local),
        cut=cut,
    )


def _live_countdown(
    live: LiveSlot, turn: LiveTurn | None, now: datetime
) -> tuple[str, str, str, str, str]:
    """(digits, phase, label, slot line, cut) of the live slot, or of its turn if one runs.

    A countdown a hard start cuts counts to that start (its `deadline` is the limit) and
    says so: "Remaining until Reception, 17:30 — hard start"; when only the slot is cut,
    the slot line under the turn's digits says it.
    """
    shown = turn.countdown if turn is not None else live.countdown
    digits, phase = countdown_at(shown, now)
    label = "Overtime" if phase is Phase.OVERTIME else "Remaining"
    cut = shown.cut.label if shown.cut is not None else ""
    if cut and phase is not Phase.OVERTIME:
        label = f"{label} {cut}"
    slot_line = ""
    if turn is not None:
        slot_left, _ = countdown_at(live.countdown, now)
        slot_line = f"{live.title}: {slot_left} {'over' if slot_left[0] == '+' else 'left'}"
        if live.countdown.cut is not None and not cut:
            slot_line = f"{slot_line} {live.countdown.cut.label}"
    return digits, phase.value, label, slot_line, cut


def _next_slot(nxt: NextSlot, tz: str) -> str:
    start = nxt.expected_start or nxt.planned_start
    return f"Next: {nxt.title} at {_hhmm(start, tz)}"


def _rehearsal(snap: Snapshot) -> str:
    if not snap.rehearsal:
        return ""
    return "REHEARSAL" if snap.speed == 1 else f"REHEARSAL ×{snap.speed:g}"
