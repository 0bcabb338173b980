"""The venue overview's model and screen: rooms from broker messages, countdowns from timestamps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from timekeeper.core.clock import SimulatedClock
from timekeeper.core.modes import RunMode
from timekeeper.programme.loader import load_programme
from timekeeper.rooms.board import Board
from timekeeper.show.session import ShowSession
from timekeeper.speaker.snapshot import build_snapshot
from timekeeper.ui.venue.app import VenueApp

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2023, 11, 20, 15, 9, 30, tzinfo=UTC)  # 16:09:30 in Groningen: the keynote


def status_payload(at: datetime, speed: float = 1.0, sent_at: datetime | None = None) -> bytes:
    programme = load_programme(REPO / "programme.yaml")
    session = ShowSession(programme, SimulatedClock(at, speed), RunMode.DRY)
    session.tick()
    snap = build_snapshot(session.status(), programme, seq=1, speed=speed, rehearsal=True,
                          message=("Wrap up", False, at))  # fmt: skip
    snap["room"] = {"name": "Plenary", "venue": "DWS"}
    snap["sent_at"] = (sent_at or at).isoformat()
    return json.dumps(snap).encode()


def board() -> Board:
    b = Board("dws", [("Plenary", "plenary"), ("Room B", "room-b")])
    b.connected = True
    return b


def test_a_room_line_counts_down_from_its_snapshots_timestamps() -> None:
    b = board()
    sent = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)  # the room's real clock when it sent
    assert b.receive("timekeeper/dws/plenary/status", status_payload(T0, speed=10, sent_at=sent))
    b.receive("timekeeper/dws/plenary/online", b"true")
    b.receive("timekeeper/dws/plenary/health", b'{"obs": "connected", "alarm": null}')
    row = b.rows(sent + timedelta(seconds=2))[0]  # 2 real seconds at x10: 20 show seconds
    assert (row.name, row.online, row.live, row.obs, row.message) == (
        "Plenary", "online", "Keynote lecture", "connected", "Wrap up",
    )  # fmt: skip
    assert row.countdown == "00:10"  # the keynote ends 16:10; the room's clock reads 16:09:50
    assert row.phase == "danger"
    assert row.over_under == "on time" and row.next.startswith("Panel")
    assert row.next_at == "16:10"


def test_a_room_whose_will_says_offline_is_marked_at_once_and_the_board_is_not_whole() -> None:
    b = board()
    for slug in ("plenary", "room-b"):
        b.receive(f"timekeeper/dws/{slug}/status", status_payload(T0))
        b.receive(f"timekeeper/dws/{slug}/online", b"true")
    assert b.whole
    b.receive("timekeeper/dws/room-b/online", b"false")
    rows = b.rows(T0)
    assert [r.online for r in rows] == ["online", "OFFLINE"]
    assert rows[1].live == "Keynote lecture"  # the last known state stays readable
    assert not b.whole
    b.connected = False
    assert [r.online for r in b.rows(T0)] == ["broker lost", "broker lost"]


def test_messages_of_another_venue_change_nothing_and_a_malformed_status_reads_bad_status() -> None:
    b = board()
    assert not b.receive("timekeeper/other/plenary/online", b"true")
    b.receive("timekeeper/dws/room-b/status", status_payload(T0))
    assert b.receive("timekeeper/dws/plenary/status", b"{not json")
    plenary, room_b = b.rows(T0)
    assert (plenary.live, room_b.live) == ("bad status", "Keynote lecture")
    assert "not JSON" in plenary.bad
    assert b.receive("timekeeper/dws/plenary/status", b'{"v": 1, "type": "snapshot"}')
    assert b.rows(T0)[0].live == "bad status"
    assert b.receive("timekeeper/dws/plenary/status", status_payload(T0))  # a good one heals it
    assert b.rows(T0)[0].live == "Keynote lecture"
    assert [r.online for r in b.rows(T0)] == ["unknown", "unknown"]


async def test_the_stage_manager_sends_a_message_to_the_selected_room() -> None:
    b = board()
    b.receive("timekeeper/dws/plenary/status", status_payload(T0))
    sent: list[tuple[str, Mapping[str, object]]] = []

    async def send(room: str, command: Mapping[str, object]) -> bool:
        sent.append((room, command))
        return True

    app = VenueApp(b, send, "DWS", clock=SimulatedClock(T0, 1.0))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.press("down", "m")
        await pilot.press(*"Mic check")
        await pilot.press("enter")
        await pilot.pause()
    assert sent == [("room-b", {"command": "message", "text": "Mic check", "from": "venue"})]
