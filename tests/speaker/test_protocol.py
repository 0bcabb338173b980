"""The pure follower side: formatting, phases, parsing, clock sync, the display in each mode."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.core.test_limits import qa_three_minutes_late
from tests.factories import at, programme, seed, slot
from tests.speaker.vectors import CASES
from timekeeper.core.engine import Action, ActionKind, ShowState, advance, apply, new_show
from timekeeper.core.status import evaluate
from timekeeper.speaker.protocol import (
    ClockEstimator,
    ClockSync,
    ProtocolError,
    build_snapshot,
    compute_display,
    follow,
    follower_urls,
    instant,
    parse_snapshot,
    ping_echo,
)
from timekeeper.ui.speaker.bigdigits import pixel_width, render_big, scale_for


def snap_at(hhmm: str, *actions: tuple[str, Action], message: Any = None) -> dict[str, Any]:
    """The seed show's snapshot at `hhmm`, after operator actions at their instants."""
    prog = seed()
    state = new_show(prog, at("15:00"))
    for when, action in actions:
        state, _ = apply(state, action, at(when))
    status = evaluate(state, at(hhmm))
    return build_snapshot(status, prog, seq=1, speed=1.0, rehearsal=False, message=message)


def shown(data: dict[str, Any], hhmm: str, connected: bool = True) -> Any:
    """The display at local `hhmm` for a follower whose clock agrees with the server's."""
    snap = parse_snapshot(json.loads(json.dumps(data)))  # through the wire format
    sync = ClockSync(snap.show_time, snap.show_time, snap.speed)
    return follow(snap, at(hhmm), sync, connected)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['remaining']}s" for c in CASES])
def test_the_speaker_display_reads_every_countdown_as_the_core_does(case: dict[str, Any]) -> None:
    """The shared table (tests/vectors/countdown.json), through a snapshot on the wire."""
    now = at("16:00")
    deadline = now + timedelta(milliseconds=round(case["remaining"] * 1000))
    countdown = {
        "start": instant(deadline - timedelta(hours=36)),
        "deadline": instant(deadline),
        "warning_at": instant(deadline - timedelta(seconds=case["warning"])),
        "danger_at": instant(deadline - timedelta(seconds=case["danger"])),
    }
    data = snap_at("15:40")  # the keynote is live; its countdown replaced by the case's
    data["live"]["countdown"] = countdown
    snap = parse_snapshot(json.loads(json.dumps(data)))
    d = compute_display(snap, now, now)
    assert (d.digits, d.phase) == (case["text"], case["phase"]), case["why"]
    assert d.label == ("Overtime" if case["remaining"] < 0 else "Remaining")


def test_before_the_show_starts_in() -> None:
    d = shown(snap_at("15:25:01"), "15:25:01")
    assert (d.label, d.digits, d.title) == ("Starts in", "04:59", "Introduction")
    assert d.clock == "15:25:01"  # Europe/Amsterdam, the event's timezone


def test_live_slot_counts_down_through_its_phases_from_one_snapshot() -> None:
    data = snap_at("15:35")  # the keynote has just started; no new snapshot after this
    d = shown(data, "15:35")
    assert (d.digits, d.phase, d.title, d.name) == (
        "35:00",
        "normal",
        "Keynote",
        "Antonio A. Casilli",
    )
    assert d.next == "Next: Panel at 16:10"
    assert (shown(data, "16:05").digits, shown(data, "16:05").phase) == ("05:00", "warning")
    assert (shown(data, "16:09").digits, shown(data, "16:09").phase) == ("01:00", "danger")
    assert (shown(data, "16:10").digits, shown(data, "16:10").phase) == ("00:00", "danger")
    over = shown(data, "16:10:07")
    assert (over.digits, over.phase, over.label, over.overtime) == (
        "+00:07",
        "overtime",
        "Overtime",
        True,
    )


def test_a_turn_shows_its_own_countdown_with_the_slot_below() -> None:
    d = shown(snap_at("16:11"), "16:11")
    assert (d.name, d.digits, d.phase) == ("Michele Molè", "02:00", "normal")
    assert d.slot_line == "Panel: 59:00 left"
    assert d.next == "Next: Beryl ter Haar, 6:00"
    late = shown(snap_at("16:11"), "16:13:30")
    assert (late.digits, late.phase) == ("+00:30", "overtime")


def test_between_slots_counts_down_to_the_next() -> None:
    # the keynote is shortened by 10 minutes: it ends at 16:00 and the panel waits for 16:10
    data = snap_at("16:05", ("15:40", Action(ActionKind.EXTEND, minutes=-10)))
    assert data["mode"] == "between"
    d = shown(data, "16:05")
    assert (d.label, d.digits, d.title, d.name) == ("Next in", "05:00", "Panel", "Michele Molè")
    assert shown(data, "16:10:30").label == "Starting"  # never a negative "next in"


def test_message_and_disconnected_show_plainly() -> None:
    data = snap_at("15:40", message=("Wrap up", True, at("15:39")))
    d = shown(data, "15:40", connected=False)
    assert (d.message, d.flash) == ("Wrap up", True)
    assert d.disconnected and d.status == "DISCONNECTED — reconnecting…"
    assert d.digits == "30:00"  # still counting from the last state


def test_no_state_yet_shows_no_made_up_time() -> None:
    d = follow(None, at("15:40"), None, False, "http://127.0.0.1:8765")
    assert d.digits == "--:--" and d.disconnected
    assert d.status == "Connecting to http://127.0.0.1:8765 — retrying…"


def test_clock_sync_corrects_offset_and_rehearsal_speed() -> None:
    est = ClockEstimator()
    local = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # the follower's clock is years off
    show = at("16:00")
    est.pong(local, local + timedelta(milliseconds=40), show, 10.0)  # 40 ms round trip
    est.pong(local, local + timedelta(milliseconds=400), show, 10.0)  # a congested one: ignored
    sync = est.sync
    assert sync is not None and sync.rtt == pytest.approx(0.04)
    # the reading belongs to the midpoint of the round trip; 1 s later at 10x is 10 show seconds
    assert sync.show_at(local + timedelta(milliseconds=20)) == show
    assert sync.show_at(local + timedelta(seconds=1, milliseconds=20)) == show + timedelta(
        seconds=10
    )


def test_estimator_prefers_a_pong_over_arrival_times() -> None:
    est = ClockEstimator()
    t = at("16:00")
    est.arrived(t, 1.0, t + timedelta(seconds=5))
    assert est.sync is not None and est.sync.rtt is None
    est.pong(t, t + timedelta(seconds=0.01), t, 1.0)
    est.arrived(t, 1.0, t + timedelta(seconds=5))
    assert est.sync is not None and est.sync.rtt == pytest.approx(0.01)
    est.reset()
    assert est.sync is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(v=2),
        lambda d: d.update(type="nope"),
        lambda d: d.update(mode="paused"),
        lambda d: d.update(speed=0),
        lambda d: d.update(show_time="yesterday"),
        lambda d: d.update(show_time="2023-11-20T15:00:00"),  # naive
        lambda d: d["live"]["countdown"].pop("deadline"),
        lambda d: d["event"].update(timezone="Mars/Olympus"),
        lambda d: d.update(held="no"),
        lambda d: d.update(seq=True),
    ],
)
def test_malformed_snapshots_are_refused(mutate: Any) -> None:
    data = snap_at("15:40")
    mutate(data)
    with pytest.raises(ProtocolError):
        parse_snapshot(data)


def test_only_a_well_formed_ping_is_answered() -> None:
    assert ping_echo({"v": 1, "type": "ping", "t": 5}) == 5
    junk: list[object] = [{"type": "ping", "t": "x"}, {"type": "ping", "t": True}, {"x": 1}, []]
    for message in junk:
        assert ping_echo(message) is None


@pytest.mark.parametrize(
    ("url", "ws"),
    [
        ("http://127.0.0.1:8765", "ws://127.0.0.1:8765/ws"),
        ("127.0.0.1:9000/", "ws://127.0.0.1:9000/ws"),
        ("https://stage.local", "wss://stage.local/ws"),
        ("http://[::1]:8765/ws", "ws://[::1]:8765/ws"),
    ],
)
def test_follower_urls(url: str, ws: str) -> None:
    assert follower_urls(url).ws == ws


@pytest.mark.parametrize("url", ["ftp://x", "http://", "http://h:99999", "http://h/other?q=1"])
def test_malformed_urls_say_why(url: str) -> None:
    with pytest.raises(ValueError, match=r"http|port|host|server"):
        follower_urls(url)


def test_big_digits_scale_to_fit() -> None:
    assert pixel_width("12:34") == 17
    assert scale_for("12:34", 80, 12) == (4, 2)  # 68 columns, 10 rows
    assert scale_for("12:34", 200, 60) == (11, 6)  # limited by width: 187 columns, 30 rows
    assert scale_for("12:34", 30, 4) is None  # falls back to Digits
    lines = render_big("1", 2, 1)
    assert lines == ["  ██  ", "████  ", "  ██  ", "  ██  ", "██████"]


def _shown_state(state: ShowState, hhmm: str, *local: str) -> list[Any]:
    """The displays at local instants `local` from one snapshot of `state` taken at `hhmm`."""
    data = build_snapshot(
        evaluate(state, at(hhmm)), state.programme, seq=1, speed=1.0, rehearsal=False, message=None
    )
    return [shown(data, t) for t in local]


def test_a_countdown_a_hard_start_cuts_counts_to_the_cut_and_says_so() -> None:
    """Reception made hard, the Q&A 3 minutes late: at 17:29:50 the speaker has 10 s, not 3:10."""
    state = qa_three_minutes_late()
    d, last = _shown_state(state, "17:29:50", "17:29:50", "17:29:59")
    assert (d.digits, d.phase) == ("00:10", "danger")
    assert d.label == "Remaining until Reception, 17:30 — hard start"
    assert d.cut == "until Reception, 17:30 — hard start"
    assert (last.digits, last.phase) == ("00:01", "danger")  # counted on the follower's clock
    # the warning comes five minutes before the cut, not five minutes before 17:33
    before, warned = _shown_state(state, "17:20", "17:24:59", "17:25")
    assert (before.digits, before.phase, warned.phase) == ("05:01", "normal", "warning")


def test_a_turn_shows_the_cut_of_its_slot_and_then_its_own() -> None:
    prog = programme(
        [
            slot("panel", "16:00", 30, turns=[("Ada", 10), ("Grace", 10)]),
            slot("talk", "16:15", 15, hard=True),
        ]
    )
    state, _ = advance(new_show(prog, at("15:00")), at("16:05"))
    (ada,) = _shown_state(state, "16:05", "16:05")  # her turn ends 16:10: only the slot is cut
    assert (ada.name, ada.digits, ada.label, ada.cut) == ("Ada", "05:00", "Remaining", "")
    assert ada.slot_line == "Panel: 10:00 left until Talk, 16:15 — hard start"
    state, _ = apply(state, Action(ActionKind.NEXT_TURN), at("16:11"))
    (grace,) = _shown_state(state, "16:11", "16:11")  # hers would end 16:21: the cut comes first
    assert (grace.name, grace.digits) == ("Grace", "04:00")
    assert grace.label == "Remaining until Talk, 16:15 — hard start"
    assert grace.slot_line == "Panel: 04:00 left"  # said once, beside the digits
