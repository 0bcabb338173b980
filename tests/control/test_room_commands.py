"""A room's MQTT commands obey the keyboard's rules, on a real mosquitto: what asks needs
confirm, a deep payload is refused and the link lives on; and, on an injected clock, a
second command within the burst gap is refused and `from_slot` must still hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.factories import at, seed
from tests.rooms.broker import Broker, Listener
from tests.rooms.conftest import broker as broker  # the private mosquitto fixture
from timekeeper.app.assembly import build_runtime
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.control.gate import gate_for
from timekeeper.core.clock import ManualClock
from timekeeper.rooms.commands import Refused, carry_out, parse_command
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService
from timekeeper.show.notices import Notice
from timekeeper.show.session import ShowSession

REPO = Path(__file__).resolve().parents[2]
BASE = "timekeeper/dws/plenary/"
ALL = ("message", "next_turn", "extend", "hold", "release")


@pytest.fixture
async def room(
    broker: Broker, tmp_path: Path
) -> AsyncIterator[tuple[Runtime, RoomService, list[Notice]]]:
    options = RunOptions(
        REPO / "programme.yaml", dry_run=True, at="16:02", headless=True, port=0, log=tmp_path,
        room=RoomOptions(room="Plenary", mqtt=broker.url, venue="DWS", commands=ALL),
    )  # fmt: skip
    runtime = build_runtime(options)
    notices: list[Notice] = []
    runtime.notices.subscribe(notices.append)
    assert runtime.pair is not None  # a room's service is its pair's
    service = runtime.pair.room
    async with runtime.services_running():
        yield runtime, service, notices
    runtime.close()


async def _wait(predicate: Callable[[], object], timeout: float = 10) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_what_asks_on_the_keyboard_needs_confirm_over_mqtt(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]]
) -> None:
    import aiomqtt

    runtime, service, notices = room
    session = runtime.session
    await _wait(lambda: service.state.connected)
    live = session.status().live
    assert live is not None and live.slot.id == "keynote"  # eight minutes left at 16:02
    async with Listener(broker.port) as heard, aiomqtt.Client("127.0.0.1", broker.port) as sm:

        async def send(command: object, expect: bytes) -> None:
            payload = command if isinstance(command, bytes) else json.dumps(command).encode()
            await sm.publish(BASE + "commands", payload, qos=1)
            await heard.wait_for(BASE + "events", lambda p: expect in p)

        await send({"command": "extend", "minutes": -10}, b"command_refused")
        await send({"command": "hold"}, b"command_refused")
        await send(b"[" * 1024 + b"]" * 1024, b"command_refused")  # the old link died here
        assert session.status().live is not None and not session.state.held
        await send({"command": "hold", "confirm": True}, b"command_done")
        assert session.state.held
    reasons = [str(n.payload()["reason"]) for n in notices if n.event == "room_command_refused"]
    assert "extend asks first: Shorten Keynote lecture by 10 min?" in reasons[0]
    assert "hold asks first: Hold the show?" in reasons[1]
    assert reasons[2] == "not a JSON object"


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_and_a_stale_from_slot_are_refused() -> None:
    clock = ManualClock(at("15:40"))
    session = ShowSession(seed(), clock)
    session.tick()
    ticks = Ticks()
    gate_for(session, ticks)
    plus = parse_command(b'{"command": "extend", "minutes": 1}', ALL)
    assert carry_out(plus, session) == "extend done"
    ticks.now += 0.05  # a double press
    with pytest.raises(Refused, match="burst"):
        carry_out(plus, session)
    ticks.now += 0.1
    assert carry_out(plus, session) == "extend done"
    ticks.now += 1
    wrong = parse_command(b'{"command": "extend", "minutes": 1, "from_slot": "panel"}', ALL)
    with pytest.raises(Refused, match="panel is no longer live"):
        carry_out(wrong, session)
    for bad in (b'{"command": "extend", "minutes": 1e400}', b'{"command": "hold", "confirm": 1}',
                b'{"command": "extend", "minutes": ' + b"9" * 5000 + b"}"):  # fmt: skip
        with pytest.raises(Refused):
            parse_command(bad, ALL)
