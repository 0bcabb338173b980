"""End to end with a real mosquitto: two rooms (headless dry runs) and the venue overview.

Each room is a real `timekeeper run venue.yaml --room NAME` process; the overview is
the real VenueWatch feeding a Board. One room is SIGKILLed (its `online` turns false
through the last will); the broker is SIGKILLed and restarted mid-show (both rooms
keep time, and the overview is whole again within 2 s of the broker's return).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from timekeeper.core.clock import SystemClock
from timekeeper.rooms.board import Board
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.watch import VenueWatch

from .broker import Broker

REPO = Path(__file__).resolve().parents[2]
ROOMS = ("Plenary", "Room B")
WHOLE_AGAIN_WITHIN = 2.0  # seconds after the broker's return (the bound)


@pytest.fixture
def venue(tmp_path: Path, broker: Broker) -> Path:
    for name in ("plenary.yaml", "room-b.yaml"):
        shutil.copy(REPO / "programme.yaml", tmp_path / name)
    path = tmp_path / "venue.yaml"
    path.write_text(
        "venue: {name: Data Work Symposium, timezone: Europe/Amsterdam}\n"
        f'mqtt: {{url: "{broker.url}"}}\n'
        "rooms:\n  - {name: Plenary, programme: plenary.yaml}\n"
        "  - {name: Room B, programme: room-b.yaml}\n"
    )
    return path


@pytest.fixture
def rooms(venue: Path, tmp_path: Path) -> Iterator[dict[str, subprocess.Popen[str]]]:
    procs: dict[str, subprocess.Popen[str]] = {}
    for name in ROOMS:
        log = tmp_path / f"log-{name.replace(' ', '')}"
        log.mkdir()
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "timekeeper.cli", "run", str(venue), "--room", name,
             "--dry-run", "--headless", "--at", "16:09:30", "--port", "0", "--log", str(log)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture
async def overview(broker: Broker) -> AsyncIterator[tuple[Board, asyncio.Event]]:
    board = Board("data-work-symposium", [("Plenary", "plenary"), ("Room B", "room-b")])
    changed = asyncio.Event()
    watch = VenueWatch(BrokerSettings("127.0.0.1", broker.port), board, on_change=changed.set)
    watch.start()
    try:
        yield board, changed
    finally:
        await watch.close()


async def until(changed: asyncio.Event, predicate: object, timeout: float) -> None:
    async def wait() -> None:
        while not predicate():  # type: ignore[operator]
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), 0.05)

    await asyncio.wait_for(wait(), timeout)


def show_times(board: Board) -> dict[str, float]:
    return {
        slug: room.snapshot.show_time.timestamp()
        for slug, room in board.rooms.items()
        if room.snapshot is not None
    }


def sent_times(board: Board) -> dict[str, float]:
    """When each room sent its status, by its own real clock (what its show clock runs on)."""
    return {
        slug: room.sent_at.timestamp()
        for slug, room in board.rooms.items()
        if room.sent_at is not None
    }


async def test_two_rooms_at_once_on_the_overview(
    rooms: dict[str, subprocess.Popen[str]], overview: tuple[Board, asyncio.Event]
) -> None:
    board, changed = overview
    await until(changed, lambda: board.whole, 60)  # two interpreters start on a loaded machine
    # each room's OBS health is its own retained message: it may come a moment after the status
    await until(changed, lambda: all(r.obs != "—" for r in board.rows(SystemClock().now())), 10)
    rows = board.rows(SystemClock().now())
    assert [(r.name, r.online, r.live) for r in rows] == [
        ("Plenary", "online", "Keynote lecture"),
        ("Room B", "online", "Keynote lecture"),
    ]
    assert all(r.obs != "—" for r in rows), rows  # the OBS health arrived (no OBS here)


async def test_a_killed_room_goes_offline_through_its_last_will(
    rooms: dict[str, subprocess.Popen[str]], overview: tuple[Board, asyncio.Event]
) -> None:
    board, changed = overview
    await until(changed, lambda: board.whole, 60)
    rooms["Room B"].send_signal(signal.SIGKILL)
    rooms["Room B"].wait(timeout=10)
    killed = time.monotonic()
    await until(changed, lambda: board.rooms["room-b"].online is False, 10)
    print(f"\nroom SIGKILLed -> OFFLINE on the overview in {time.monotonic() - killed:.3f} s")
    rows = board.rows(SystemClock().now())
    assert [r.online for r in rows] == ["online", "OFFLINE"]
    assert rows[1].live == "Keynote lecture"  # its last known state stays readable


async def test_the_broker_killed_and_restarted_mid_show(
    broker: Broker,
    rooms: dict[str, subprocess.Popen[str]],
    overview: tuple[Board, asyncio.Event],
) -> None:
    board, changed = overview
    await until(changed, lambda: board.whole, 60)
    before, sent_before = show_times(board), sent_times(board)
    broker.kill()
    await until(changed, lambda: not board.connected, 10)
    await asyncio.sleep(1.5)  # the broker stays away a while: the rooms' backoff grows
    broker.start()
    back = time.monotonic()
    await until(changed, lambda: board.whole, 10)
    whole_after = time.monotonic() - back
    print(f"\nbroker back -> overview whole again in {whole_after:.3f} s")
    assert whole_after <= WHOLE_AGAIN_WITHIN
    assert all(proc.poll() is None for proc in rooms.values())  # both rooms ran on
    # both rooms kept time: between two of its statuses, each room's show clock moved on by
    # the real time between their sending (speed 1), the broker's outage included
    await until(changed, lambda: all(show_times(board)[s] > before[s] for s in before), 10)
    after = sent_times(board)
    for slug, at in show_times(board).items():
        shown, real = at - before[slug], after[slug] - sent_before[slug]
        assert shown > 0 and abs(shown - real) < 0.5, (slug, shown, real)
    rows = board.rows(SystemClock().now())
    assert [r.online for r in rows] == ["online", "online"]
