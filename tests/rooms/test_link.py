"""The broker link: backoff on an injected timer, reconnection, the last will, the password."""

from __future__ import annotations

import asyncio
import random

from timekeeper.rooms.link import Backoff, BrokerLink
from timekeeper.rooms.settings import BrokerSettings

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
