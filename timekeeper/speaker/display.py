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
from timekeeper.speaker.i18n import Strings, english
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
    phase_word: str = ""  # "WRAP UP", "FINISH NOW", "OVER": the phase in words, not only colour
    rtl: bool = False  # the language is written right to left

    @property
    def overtime(self) -> bool:
        return self.phase == Phase.OVERTIME


def countdown_at(times: Times, now: datetime) -> tuple[str, Phase]:
    """The digits and phase of a countdown at show instant `now`: the core's one rule."""
    cd = Countdown(times.start, times.deadline, times.warning_at, times.danger_at, now, times.cut)
    return countdown_text(cd.remaining), cd.phase


def _clock(instant_: datetime, tz: str) -> str:
    return instant_.astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")


def _hhmm(instant_: datetime, tz: str, words: Strings) -> str:
    return words.time(instant_.astimezone(ZoneInfo(tz)))


def _blink(local: datetime) -> bool:
    """On for the first half of each local second: blinks at the same rate in any rehearsal."""
    return (local.microsecond // 500_000) == 0


def phase_word(phase: str, words: Strings) -> str:
    """The phase in words, so that no one needs to tell the colours apart."""
    return words.t(f"phase_{phase}") if phase != Phase.NORMAL.value else ""


def waiting_display(status: str, local: datetime, words: Strings | None = None) -> Display:
    """Before any state has arrived: say so plainly instead of showing a made-up time."""
    words = words or english()
    return Display(
        digits="--:--",
        phase="normal",
        label=words.t("waiting"),
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
        rtl=words.rtl,
    )


def follow(
    snap: Snapshot | None,
    local: datetime,
    sync: ClockSync | None,
    connected: bool,
    url: str = "",
    *,
    silent: bool = False,
    words: Strings | None = None,
) -> Display:
    """What a follower shows at local instant `local` from the last state it received.

    `silent`: connected, but nothing heard for a while (a stalled link or a frozen
    operator): the screen says so and keeps counting from its timestamps.
    """
    words = words or english()
    if snap is None or sync is None:
        waiting = words.t("connecting_to", host=url) if url else words.t("connecting")
        return waiting_display(waiting, local, words)
    status = ""
    if not connected:
        status = words.t("disconnected")
    elif silent:
        status = words.t("silent")
    return compute_display(snap, sync.show_at(local), local, status, words)


def _budget(seconds: float | None) -> str:
    """ ", 5:00": the next turn's length, as a running order states it (mirror: speaker.js)."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f", {hours}:{minutes:02d}:{secs:02d}" if hours else f", {minutes}:{secs:02d}"


def compute_display(
    snap: Snapshot, now: datetime, local: datetime, status: str = "", words: Strings | None = None
) -> Display:
    """The display at show instant `now` (`local` only paces the blinking)."""
    words = words or english()
    digits, phase, label, name, title, nxt, slot_line = "--:--", "normal", "", "", "", "", ""
    cut = ""
    tz = snap.timezone
    if snap.mode == "live" and snap.live is not None:
        live = snap.live
        digits, phase, label, slot_line, cut = _live_countdown(live, snap.turn, now, tz, words)
        title = live.title
        name = snap.turn.speaker if snap.turn is not None else ", ".join(live.speakers)
        if snap.next_turn is not None:
            nxt = words.t("next_turn", speaker=snap.next_turn) + _budget(snap.next_turn_seconds)
        elif snap.next is not None:
            nxt = _next_slot(snap.next, tz, words)
    elif snap.mode in {"before", "between"} and snap.next is not None:
        start = snap.next.expected_start or snap.next.planned_start
        until = start - now
        digits = countdown_text(max(until, timedelta(0)))
        label = words.t(
            ("starts_in" if snap.mode == "before" else "next_in")
            if until > timedelta(0)
            else "starting"
        )
        title = snap.next.title
        name = ", ".join(snap.next.speakers)
        nxt = words.t("at", time=_hhmm(start, tz, words))
    elif snap.mode == "ended":
        digits = now.astimezone(ZoneInfo(tz)).strftime("%H:%M")
        label = words.t("ended")
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
        rehearsal=_rehearsal(snap, words),
        message=message.text if message is not None else "",
        flash=message.flash if message is not None else False,
        disconnected=bool(status),
        status=status,
        blink_on=_blink(local),
        cut=cut,
        phase_word=phase_word(phase, words),
        rtl=words.rtl,
    )


def _live_countdown(
    live: LiveSlot, turn: LiveTurn | None, now: datetime, tz: str, words: Strings
) -> tuple[str, str, str, str, str]:
    """(digits, phase, label, slot line, cut) of the live slot, or of its turn if one runs.

    A countdown a hard start cuts counts to that start (its `deadline` is the limit) and
    says so: "Remaining until Reception, 17:30 — hard start"; when only the slot is cut,
    the slot line under the turn's digits says it.
    """
    shown = turn.countdown if turn is not None else live.countdown
    digits, phase = countdown_at(shown, now)
    label = words.t("overtime" if phase is Phase.OVERTIME else "remaining")
    cut = _cut_label(shown, tz, words)
    if cut and phase is not Phase.OVERTIME:
        label = f"{label} {cut}"
    slot_line = ""
    if turn is not None:
        slot_left, _ = countdown_at(live.countdown, now)
        key = "slot_over" if slot_left[0] == "+" else "slot_left"
        slot_line = words.t(key, title=live.title, left=slot_left)
        if live.countdown.cut is not None and not cut:
            slot_line = f"{slot_line} {_cut_label(live.countdown, tz, words)}"
    return digits, phase.value, label, slot_line, cut


def _cut_label(times: Times, tz: str, words: Strings) -> str:
    """ "until Reception, 17:30 — hard start", in the screen's language."""
    if times.cut is None:
        return ""
    return words.t("cut", title=times.cut.title, time=_hhmm(times.cut.at, tz, words))


def _next_slot(nxt: NextSlot, tz: str, words: Strings) -> str:
    start = nxt.expected_start or nxt.planned_start
    return words.t("next_slot", title=nxt.title, time=_hhmm(start, tz, words))


def _rehearsal(snap: Snapshot, words: Strings) -> str:
    if not snap.rehearsal:
        return ""
    word = words.t("rehearsal")
    return word if snap.speed == 1 else f"{word} ×{snap.speed:g}"
