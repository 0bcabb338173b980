"""The test broker itself: a real mosquitto that carries retained messages and dies on demand."""

from __future__ import annotations

import asyncio

import aiomqtt
import pytest

from .broker import Broker


async def _read_retained(broker: Broker, topic: str) -> bytes:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.subscribe(topic)
        async for message in client.messages:
            return bytes(message.payload)
    raise AssertionError("no message")


async def test_retained_message_reaches_a_late_subscriber(broker: Broker) -> None:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.publish("t/a", b"hello", qos=1, retain=True)
    assert await asyncio.wait_for(_read_retained(broker, "t/a"), 5) == b"hello"


async def test_killed_broker_refuses_then_restarts_on_the_same_port(broker: Broker) -> None:
    port = broker.port
    broker.kill()
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client("127.0.0.1", port, timeout=1):
            pass
    broker.start()
    assert broker.port == port
    async with aiomqtt.Client("127.0.0.1", port) as client:
        await client.publish("t/b", b"back", qos=1)
