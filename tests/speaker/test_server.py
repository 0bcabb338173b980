"""A real SpeakerServer and real WebSocket followers, through a whole slot of the seed show."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from tests.factories import at, seed
from tests.speaker.conftest import until
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.errors import UsageError
from timekeeper.show.session import ShowSession
from timekeeper.speaker import serving
from timekeeper.speaker.follower import Backoff, Follower
from timekeeper.speaker.protocol import parse_snapshot
from timekeeper.speaker.server import SpeakerServer

FAST = Backoff(first=0.05, factor=2, most=0.2, jitter=0)


@asynccontextmanager
async def following(url: str, clock: ManualClock) -> AsyncIterator[Follower]:
    """A real follower (the terminal app's client) running in the background."""
    follower = Follower(url, clock, backoff=FAST)
    task = asyncio.get_running_loop().create_task(follower.run())
    try:
        await until(
            lambda: follower.connected and follower.estimator.sync is not None, what="connect"
        )
        yield follower
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_page_state_and_assets_are_served_locally(server: SpeakerServer) -> None:
    assert server.url is not None
    async with aiohttp.ClientSession() as http:
        async with http.get(server.url + "state") as resp:
            snap = parse_snapshot(await resp.json())
        assert snap.mode == "before" and snap.next is not None and snap.next.title == "Introduction"
        for path in ("", "speaker.js", "speaker.css"):
            async with http.get(server.url + path) as resp:
                assert resp.status == 200
                body = await resp.text()
            assert "http://" not in body and "https://" not in body, f"/{path} loads from elsewhere"
        async with http.post(server.url + "state", data=b"{}") as resp:
            assert resp.status == 405  # read-only: nothing to post to


async def test_a_follower_through_a_whole_slot(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    assert server.url is not None
    clock.set(at("15:25:01"))
    async with following(server.url, clock) as f:
        d = f.display()
        assert (d.label, d.digits, d.title) == ("Starts in", "04:59", "Introduction")

        clock.set(at("15:35"))  # the introduction ran; the keynote starts by itself
        session.tick()
        await until(lambda: f.display().title == "Keynote", what="the keynote")
        d = f.display()
        assert (d.digits, d.phase, d.name) == ("35:00", "normal", "Antonio A. Casilli")
        assert d.next == "Next: Panel at 16:10"

        seq = f.snapshot.seq if f.snapshot else -1
        clock.set(at("16:05"))  # no message needed: the follower counts from timestamps
        assert (f.display().digits, f.display().phase) == ("05:00", "warning")
        clock.set(at("16:09:30"))
        assert (f.display().digits, f.display().phase) == ("00:30", "danger")

        session.act(Action(ActionKind.EXTEND, minutes=2))  # the digits jump
        await until(lambda: f.display().digits == "02:30", what="the extension")
        assert f.display().phase == "warning"
        assert f.snapshot is not None and f.snapshot.seq > seq

        session.set_message("Two minutes, please wrap up", flash=True)
        await until(lambda: f.display().message == "Two minutes, please wrap up")
        assert f.display().flash
        session.set_message("")
        await until(lambda: f.display().message == "", what="the message to clear")

        session.act(Action(ActionKind.HOLD))  # the slot may not end by itself: overtime
        clock.set(at("16:12:42"))
        session.tick()
        d = f.display()
        assert (d.digits, d.phase, d.label) == ("+00:42", "overtime", "Overtime")
        clock.advance(60)
        assert f.display().digits == "+01:42"

        session.act(Action(ActionKind.NEXT))  # the operator moves on: the panel's first turn
        await until(lambda: f.display().title == "Panel", what="the panel")
        d = f.display()
        assert (d.name, d.digits, d.next) == ("Michele Molè", "03:00", "Next: Beryl ter Haar, 6:00")
        assert d.slot_line == "Panel: 1:00:00 left"

        clock.advance(100)
        session.act(Action(ActionKind.NEXT_TURN))
        await until(lambda: f.display().name == "Beryl ter Haar", what="the next turn")
        assert f.display().digits == "06:00"
        assert f.display().slot_line == "Panel: 58:20 left"


async def test_raw_protocol_snapshot_on_connect_on_change_and_pong(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("15:40"))
    session.tick()
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}ws") as ws:
        first = await ws.receive_json(timeout=2)
        assert first["v"] == 1 and first["type"] == "snapshot" and first["live"]["id"] == "keynote"
        assert first["show_time"] == "2023-11-20T14:40:00.000+00:00"
        await ws.send_json({"v": 1, "type": "ping", "t": 42})
        pong = await _next(ws, "pong")
        assert pong["t"] == 42 and pong["show_time"] == first["show_time"]
        session.act(Action(ActionKind.EXTEND, minutes=5))
        snap = await _next(ws, "snapshot")
        assert snap["seq"] > first["seq"]
        assert snap["live"]["countdown"]["deadline"] == "2023-11-20T15:15:00.000+00:00"


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        msg = await ws.receive_json(timeout=2)
        if msg["type"] == kind:
            return dict(msg)


async def test_nothing_a_follower_sends_changes_the_show(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("15:40"))
    session.tick()
    before_state, before_message = session.state, session.message
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{server.url}ws") as ws:
            await ws.receive_json(timeout=2)
            for junk in (
                {"action": "next"},
                {"v": 1, "type": "act", "action": {"action": "end"}},
                {"v": 1, "type": "message", "text": "hacked", "flash": True},
                {"v": 1, "type": "ping", "t": "not a number"},
            ):
                await ws.send_json(junk)
            await ws.send_str("not json at all")
            await ws.send_bytes(b"\x00\x01binary")
            await ws.send_json({"v": 1, "type": "ping", "t": 7})
            assert (await _next(ws, "pong"))["t"] == 7  # still connected, still answering
        async with http.ws_connect(f"{server.url}ws") as ws:
            await ws.receive_json(timeout=2)
            await ws.send_str("x" * 100_000)  # too big for a ping: this follower is cut off
            msg = await ws.receive(timeout=2)
            while msg.type is aiohttp.WSMsgType.TEXT:
                msg = await ws.receive(timeout=2)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        for method in ("POST", "PUT", "DELETE"):
            async with http.request(method, f"{server.url}ws") as resp:
                assert resp.status == 405
    assert session.state is before_state and session.message is before_message
    await until(lambda: server.followers == 0, what="the followers to be gone")


async def test_fifty_followers_all_receive_an_update(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("15:40"))
    session.tick()
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(f"{server.url}ws") for _ in range(50)]
        try:
            for ws in sockets:
                assert (await ws.receive_json(timeout=2))["live"]["id"] == "keynote"
            await until(lambda: server.followers == 50, what="50 followers")
            session.act(Action(ActionKind.EXTEND, minutes=1))
            snaps = await asyncio.gather(*(_next(ws, "snapshot") for ws in sockets))
            deadlines = {s["live"]["countdown"]["deadline"] for s in snaps}
            assert deadlines == {"2023-11-20T15:11:00.000+00:00"}
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))


async def test_a_dropped_connection_keeps_counting_then_reconnects(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    assert server.url is not None
    clock.set(at("15:40"))
    session.tick()
    async with following(server.url, clock) as f:
        assert f.display().digits == "30:00"
        frames: list[str] = []

        async def watch() -> None:  # what the screen shows, frame by frame, throughout
            while True:
                frames.append(f.display().digits)
                await asyncio.sleep(0.002)

        watcher = asyncio.get_running_loop().create_task(watch())
        await server.stop()
        await until(lambda: f.display().disconnected, what="disconnected")
        clock.advance(75)
        d = f.display()
        assert (d.digits, d.status) == ("28:45", "DISCONNECTED — reconnecting…")
        session.act(Action(ActionKind.EXTEND, minutes=3))  # happens while it is away
        await server.start()  # same port
        await until(lambda: not f.display().disconnected, what="reconnect")
        await until(lambda: f.display().digits == "31:45", what="the state it missed")
        assert f.connections == 2
        watcher.cancel()
        assert "--:--" not in frames  # it never stopped counting, not even while reconnecting
        assert {"30:00", "28:45"} <= set(frames)


async def test_clock_offset_and_rehearsal_speed_are_corrected(clock: ManualClock) -> None:
    show_clock = ManualClock(at("15:40"), speed=10)  # a rehearsal at 10x
    session = ShowSession(seed(), show_clock)
    session.tick()
    srv = SpeakerServer(session, port=0)
    url = await srv.start()
    try:
        local = ManualClock(at("09:00") - timedelta(days=3))  # a follower with a wrong clock
        async with following(url, local) as f:
            await until(lambda: f.estimator.sync is not None and f.estimator.sync.rtt is not None)
            d = f.display()
            assert (d.digits, d.clock, d.rehearsal) == ("30:00", "15:40:00", "REHEARSAL ×10")
            local.advance(6)  # 6 real seconds at 10x: a minute of show time
            assert f.display().digits == "29:00"
    finally:
        await srv.stop()


async def test_heartbeat_carries_time_and_refreshes_a_drifting_forecast(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("16:00"))
    session.tick()
    session.act(Action(ActionKind.HOLD))
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}ws") as ws:
        first = await ws.receive_json(timeout=2)
        assert first["next"]["expected_start"] == "2023-11-20T15:10:00.000+00:00"
        beat = await _next(ws, "time")
        assert beat["show_time"] == "2023-11-20T15:00:00.000+00:00"
        clock.set(at("16:15"))  # the held keynote runs over: the panel can only start later
        snap = await _next(ws, "snapshot")  # no event, but the heartbeat notices the change
        assert snap["next"]["expected_start"] == "2023-11-20T15:15:00.000+00:00"
        assert snap["over_under"] == 300


async def test_a_taken_port_is_a_clear_usage_error(server: SpeakerServer) -> None:
    other = SpeakerServer(server.session, port=server.port)
    with pytest.raises(UsageError) as caught:
        await other.start()
    assert str(caught.value) == (
        f"port {server.port} is in use; pass --port N (0 turns the speaker screens off)"
    )


async def test_a_slow_follower_is_dropped_without_holding_back_the_others(
    session: ShowSession, clock: ManualClock
) -> None:
    srv = SpeakerServer(session, port=0, send_timeout=0.5)
    url = await srv.start()
    clock.set(at("15:40"))
    session.tick()
    slow = _stalled_websocket(srv.port)  # handshakes, then never reads a byte
    try:
        async with following(url, clock) as fast:
            await until(lambda: srv.followers == 2, what="both followers")
            big = "x" * 100_000  # each snapshot carries 100 kB: the stalled socket fills fast

            def shows(n: int) -> Callable[[], bool]:
                return lambda: fast.display().message.endswith(str(n))

            for i in range(80):  # the fast one sees every update while the slow one is stuck
                session.set_message(f"{big}{i}")
                await until(shows(i), what=f"update {i}")
            await until(lambda: srv.followers == 1, timeout=5, what="the stalled one dropped")
            session.set_message("still here")
            await until(lambda: fast.display().message == "still here")
    finally:
        slow.close()
        await srv.stop()


def _stalled_websocket(port: int) -> socket.socket:
    """A follower that opens the WebSocket and then never reads: a frozen tablet."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    return sock


def test_snapshot_is_plain_json(session: ShowSession) -> None:
    """The snapshot survives a JSON round trip unchanged (no datetimes or enums leak)."""
    data = SpeakerServer(session, port=0).snapshot()
    assert json.loads(json.dumps(data)) == data


async def test_speaker_screens_follow_an_accepted_revision(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    from dataclasses import replace

    from tests.factories import mins

    clock.set(at("15:40"))
    session.tick()
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}ws") as ws:
        first = await ws.receive_json(timeout=2)
        assert first["live"]["countdown"]["deadline"] == "2023-11-20T15:10:00.000+00:00"
        prog = session.programme
        keynote = replace(prog.slots[1], title="Keynote (extended)", duration=mins(45))
        session.revise(replace(prog, slots=(prog.slots[0], keynote, *prog.slots[2:])))
        snap = await _next(ws, "snapshot")
        assert snap["live"]["countdown"]["deadline"] == "2023-11-20T15:20:00.000+00:00"
        assert snap["live"]["title"] == "Keynote (extended)"


async def test_one_address_cannot_take_every_follower_place(session: ShowSession) -> None:
    """Cheap followers from one machine are capped per address: a real screen elsewhere gets in."""
    server = SpeakerServer(session, port=0, max_followers=40)
    url = await server.start()
    try:
        async with aiohttp.ClientSession() as flood:
            taken = []
            for _ in range(40):
                try:
                    taken.append(await flood.ws_connect(f"{url}ws"))
                except aiohttp.WSServerHandshakeError as refused:
                    assert refused.status == 503
            assert len(taken) == 10  # a quarter of the places
            other = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
            async with aiohttp.ClientSession(connector=other) as screen:
                ws = await screen.ws_connect(f"{url}ws")
                assert (await ws.receive_json(timeout=5))["type"] == "snapshot"
                await ws.close()
            await asyncio.gather(*(ws.close() for ws in taken))
    finally:
        await server.stop()


async def test_half_sent_requests_are_closed_and_connections_capped_per_address(
    session: ShowSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "HEADER_TIMEOUT", 0.5)
    monkeypatch.setattr(serving, "PER_ADDRESS", 5)
    server = SpeakerServer(session, port=0)
    await server.start()
    try:
        opened = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(7)]
        for _, writer in opened:
            writer.write(b"GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        ends = await asyncio.gather(*(asyncio.wait_for(reader.read(), 10) for reader, _ in opened))
        assert ends == [b""] * 7  # two over the cap at once, five after the header timeout
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert (await asyncio.wait_for(reader.read(), 10)).startswith(b"HTTP/1.1 200")
        writer.close()
        for _, w in opened:
            w.close()
    finally:
        await server.stop()


async def test_repeated_accept_and_parse_errors_are_logged_once_then_counted(
    session: ShowSession, caplog: pytest.LogCaptureFixture
) -> None:
    server = SpeakerServer(session, port=0)
    await server.start()
    try:
        loop = asyncio.get_running_loop()
        handler = loop.get_exception_handler()
        assert handler is not None
        for _ in range(500):  # what asyncio reports on every accept out of descriptors
            handler(loop, {"message": "socket.accept() out of system resource",
                           "exception": OSError(24, "Too many open files")})  # fmt: skip
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"\x16\x03\x01 not http at all\r\n\r\n")  # a TLS hello, say
            await asyncio.wait_for(reader.read(), 10)
            writer.close()
    finally:
        await server.stop()
    lines = [r.getMessage() for r in caplog.records if "serving" in r.name]
    assert sum("accept errors" in line for line in lines) == 2, lines  # once, then the count
    assert any("accept errors: 499 more" in line for line in lines)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback each
