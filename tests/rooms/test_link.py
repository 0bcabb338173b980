"""The broker link: backoff on an injected timer, reconnection, the last will, the password,
a message that cannot be handled, and a link whose task ends."""

from __future__ import annotations

import asyncio
import json
import random

import aiomqtt
import pytest

from timekeeper.rooms.board import Board
from timekeeper.rooms.link import Backoff, BrokerLink, LinkState
from timekeeper.rooms.service import describe_link
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.watch import VenueWatch

from .broker import Broker, Listener


def test_backoff_doubles_to_half_a_second_with_ten_percent_jitter() -> None:
    rng = random.Random(4)
    delays = [Backoff().delay(attempt, rng) for attempt in range(1, 8)]
    for got, base in zip(delays, [0.1, 0.2, 0.4, 0.5, 0.5, 0.5, 0.5], strict=True):
        assert base * 0.9 <= got <= base * 1.1


async def test_a_broker_that_comes_back_is_connected_after_the_backoff_wait(
    broker: Broker,
) -> None:
    """The waits between attempts go through the injected sleep; the broker returns during
    the fifth one, and the next attempt connects and calls on_connected again."""
    settings = BrokerSettings("127.0.0.1", broker.port)
    waits: list[float] = []
    connected = asyncio.Event()
    connections = 0

    async def on_connected() -> None:
        nonlocal connections
        connections += 1
        connected.set()

    async def fake_sleep(delay: float) -> None:
        waits.append(delay)
        if len(waits) == 5:
            broker.start()
        await asyncio.sleep(0)

    link = BrokerLink(settings, identifier="t-link", on_connected=on_connected, sleep=fake_sleep)
    link.start()
    await asyncio.wait_for(connected.wait(), 10)
    connected.clear()
    broker.kill()
    await asyncio.wait_for(connected.wait(), 20)
    assert connections == 2
    assert len(waits) == 5
    for got, base in zip(waits, [0.1, 0.2, 0.4, 0.5, 0.5], strict=True):
        assert base * 0.9 <= got <= base * 1.1
    assert link.state.connected and link.state.attempts == 0 and link.state.connections == 2
    await link.close()


async def test_while_the_broker_is_away_publishing_returns_false_at_once(broker: Broker) -> None:
    broker.kill()
    gate = asyncio.Event()

    async def never(_: float) -> None:
        await gate.wait()

    failed = asyncio.Event()
    link = BrokerLink(
        BrokerSettings("127.0.0.1", broker.port),
        identifier="t-away",
        sleep=never,
        on_state=lambda state: failed.set() if state.attempts else None,
    )
    link.start()
    await asyncio.wait_for(failed.wait(), 10)  # the first attempt failed (refused at once)
    assert await asyncio.wait_for(link.publish("t/x", b"1"), 0.5) is False
    assert not link.state.connected and link.state.attempts >= 1 and link.state.error
    await link.close()


async def test_last_will_is_published_when_the_link_dies_without_goodbye(broker: Broker) -> None:
    async with Listener(broker.port, "t/online") as heard:
        link = BrokerLink(
            BrokerSettings("127.0.0.1", broker.port),
            identifier="t-will",
            will=("t/online", b"false"),
        )
        up = asyncio.Event()

        async def hello() -> None:
            await link.publish("t/online", b"true", retain=True, qos=1)
            up.set()

        link.on_connected = hello
        link.start()
        await asyncio.wait_for(up.wait(), 10)
        await heard.wait_for("t/online", lambda p: p == b"true")
        client = link._client
        assert client is not None
        sock = client._client.socket()
        assert sock is not None
        sock.close()  # the process is gone: no DISCONNECT is ever sent
        await heard.wait_for("t/online", lambda p: p == b"false")
        await link.close()


BOMB = b"[" * 1024 + b"]" * 1024  # json.loads raises RecursionError on it (issue 21)


async def test_a_message_whose_handler_raises_is_dropped_and_counted_and_the_link_lives_on(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """Each incoming message is handled on its own: a handler that raises (json.loads'
    RecursionError on 1,024 nested lists) costs that message only, logged once with a count."""
    got: list[bytes] = []

    def handle(topic: str, payload: bytes) -> None:
        json.loads(payload)
        got.append(payload)

    link = BrokerLink(
        BrokerSettings("127.0.0.1", broker.port),
        identifier="t-bomb",
        subscriptions=["t/commands"],
        on_message=handle,
    )
    link.start()
    await _until(lambda: link.state.connected)
    async with aiomqtt.Client("127.0.0.1", broker.port) as sender:
        for _ in range(3):
            await sender.publish("t/commands", BOMB, qos=1)
        await sender.publish("t/commands", b'{"after": "the bombs"}', qos=1)
    await _until(lambda: got == [b'{"after": "the bombs"}'])
    assert link.state.connected and link.state.dropped == 3
    lines = [r for r in caplog.records if r.name == "timekeeper.rooms.link"]
    assert [r.getMessage().split(":")[0] for r in lines] == [
        "dropped a message on t/commands that could not be handled (1 so far)",
        "dropped a message on t/commands that could not be handled (2 so far)",
    ]  # the 1st and 2nd; the 3rd is counted, not logged (then the 4th, the 8th…)
    assert "RecursionError" in lines[0].getMessage() and lines[0].exc_info is not None
    await link.close()


class _Crash(BaseException):
    """Something no except clause of the link expects: its task ends."""


async def test_a_link_whose_task_ends_says_it_is_down_until_it_is_back(broker: Broker) -> None:
    """The overview's link (VenueWatch) and the panel's line (describe_link) show it down,
    then it reconnects by itself and both show it up again."""
    board = Board("dws", [("Plenary", "plenary")])
    changed = asyncio.Event()
    watch = VenueWatch(BrokerSettings("127.0.0.1", broker.port), board, on_change=changed.set)
    seen: list[tuple[bool, str]] = []
    shown = watch.link.on_state
    assert shown is not None

    def record(state: LinkState) -> None:
        shown(state)
        seen.append((board.connected, describe_link(state)[0]))

    watch.link.on_state = record
    crash = [True]

    def on_message(topic: str, payload: bytes) -> None:
        if crash and payload == b"crash":
            crash.clear()
            raise _Crash
        board.receive(topic, payload)

    watch.link.on_message = on_message
    watch.start()
    await _until(lambda: board.connected)
    async with aiomqtt.Client("127.0.0.1", broker.port) as sender:
        await sender.publish("timekeeper/dws/plenary/online", b"crash", qos=1)
    await _until(lambda: len(seen) >= 3 and board.connected)
    url = f"mqtt://127.0.0.1:{broker.port}"
    assert seen[0] == (True, f"Broker ✓ {url}")
    assert seen[1] == (False, "Broker ✗ reconnecting (try 1): link restarted")
    assert seen[-1] == (True, f"Broker ✓ {url}") and watch.link.state.connections == 2
    await watch.close()


async def _until(predicate: object, timeout: float = 10) -> None:
    async def poll() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)
