"""A room's run on the broker: retained status and online, events, commands, a lost broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from timekeeper.app.assembly import build_runtime
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService, describe_link
from timekeeper.show.notices import Notice
from timekeeper.speaker.snapshot import parse_snapshot

from .broker import Broker, Listener

REPO = Path(__file__).resolve().parents[2]
BASE = "timekeeper/dws/plenary/"


@pytest.fixture
async def room(
    broker: Broker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Runtime, RoomService, list[Notice]]]:
    monkeypatch.setenv("TK_MQTT_PASSWORD", "pw-never-shown-7731")
    options = RunOptions(
        REPO / "programme.yaml",
        dry_run=True,
        at="16:09:30",
        headless=True,
        port=0,
        log=tmp_path,
        room=RoomOptions(room="Plenary", mqtt=broker.url, venue="DWS"),
    )
    runtime = build_runtime(options)
    notices: list[Notice] = []
    runtime.notices.subscribe(notices.append)
    assert runtime.pair is not None  # a room's service is its pair's
    service = runtime.pair.room
    async with runtime.services_running():
        yield runtime, service, notices
    runtime.close()


async def _wait(predicate: object, timeout: float = 10) -> None:
    async def poll() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_a_late_subscriber_gets_the_rooms_retained_status_and_online(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]]
) -> None:
    runtime, service, _ = room
    await _wait(lambda: service.state.connected)
    runtime.session.tick()
    async with Listener(broker.port) as late:
        topic, payload, retained = await late.wait_for(BASE + "online")
        assert payload == b"true" and retained
        _, payload, retained = await late.wait_for(BASE + "status")
        assert retained
        snapshot = parse_snapshot(json.loads(payload))
        assert snapshot.live is not None and snapshot.live.title == "Keynote lecture"
        data = json.loads(payload)
        assert data["room"] == {"name": "Plenary", "venue": "DWS"} and "sent_at" in data


async def test_every_change_is_published_as_status_and_its_events(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]]
) -> None:
    runtime, service, _ = room
    async with Listener(broker.port) as heard:
        await _wait(lambda: service.state.connected)
        runtime.session.set_message("Five minutes left")
        _, payload, _ = await heard.wait_for(BASE + "events", lambda p: b'"message"' in p)
        assert json.loads(payload)["text"] == "Five minutes left"
        _, payload, _ = await heard.wait_for(BASE + "status", lambda p: b"Five minutes" in p)
        message = parse_snapshot(json.loads(payload)).message
        assert message is not None and message.text == "Five minutes left"


async def test_the_room_takes_speaker_messages_and_refuses_what_it_does_not_allow(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]]
) -> None:
    import aiomqtt

    runtime, service, notices = room
    await _wait(lambda: service.state.connected)
    async with Listener(broker.port) as heard, aiomqtt.Client("127.0.0.1", broker.port) as sm:
        await sm.publish(BASE + "commands", json.dumps({"command": "hold"}), qos=1)
        await heard.wait_for(BASE + "events", lambda p: b"command_refused" in p)
        assert not runtime.session.state.held
        await sm.publish(BASE + "commands", b"{not json", qos=1)
        cmd = {"command": "message", "text": "Wrap up please", "from": "stage manager"}
        await sm.publish(BASE + "commands", json.dumps(cmd), qos=1)
        await heard.wait_for(BASE + "events", lambda p: b"command_done" in p)
    assert runtime.session.message is not None
    assert runtime.session.message.text == "Wrap up please"
    reasons = [n.payload()["reason"] for n in notices if n.event == "room_command_refused"]
    assert reasons == [
        "command 'hold' is not allowed in this room (allowed: message)",
        "not a JSON object",
    ]


async def test_the_show_keeps_time_without_the_broker_and_republishes_when_it_returns(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]]
) -> None:
    runtime, service, notices = room
    await _wait(lambda: service.state.connected)
    broker.kill()
    await _wait(lambda: not service.state.connected)
    line, healthy = describe_link(service.state)
    assert not healthy and line.startswith("Broker ✗ reconnecting")
    before = runtime.session.status().at
    runtime.session.set_message("while away")  # the show goes on; nothing waits
    assert runtime.session.status().at >= before
    broker.start()  # a new broker: it remembers nothing retained
    await _wait(lambda: service.state.connected)
    async with Listener(broker.port) as late:
        await late.wait_for(BASE + "online", lambda p: p == b"true")
        await late.wait_for(BASE + "status", lambda p: b"while away" in p)
    kinds = [n.event for n in notices]
    assert "broker_lost" in kinds and "broker_back" in kinds
    assert describe_link(service.state) == (f"Broker ✓ {broker.url}", True)


async def test_the_broker_password_never_reaches_a_notice_or_the_logs(
    broker: Broker, room: tuple[Runtime, RoomService, list[Notice]], tmp_path: Path
) -> None:
    runtime, service, notices = room
    await _wait(lambda: service.state.connected)
    assert service.settings.password == "pw-never-shown-7731"
    assert "pw-never" not in repr(service.settings) + str(service.settings)
    broker.kill()
    await _wait(lambda: not service.state.connected)
    now = runtime.session.clock.now()
    text = json.dumps([n.to_json(runtime.programme.tz, now) for n in notices], default=str)
    text += "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "pw-never-shown-7731" not in text


def test_the_obs_panel_ends_with_the_broker_line_even_without_obs() -> None:
    from timekeeper.rooms.link import LinkState
    from timekeeper.ui.obspanel import BAD, OK, with_broker

    away = LinkState("mqtt://b:1883", connected=False, attempts=3, error="refused", connections=1)
    view = with_broker(None, *describe_link(away))
    assert view.lines == (
        ("OBS: not configured", "dim"),
        ("Broker ✗ reconnecting (try 3): refused", BAD),
    )
    back = with_broker(view, *describe_link(LinkState("mqtt://b:1883", connected=True)))
    assert back.lines[-1] == ("Broker ✓ mqtt://b:1883", OK)
