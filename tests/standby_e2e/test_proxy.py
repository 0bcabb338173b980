"""The broker proxy cuts one client's path and only that one's (real mosquitto, real clients).

A client connected through the proxy with a last will; a listener connected to the
broker directly. Dropped: the broker publishes the will, the client cannot reconnect
until restored, then can. Blackholed: what the client sends waits, and arrives after
the restore on the same connection.
"""

from __future__ import annotations

import asyncio

import aiomqtt

from tests.broker_proxy import BrokerProxy
from tests.rooms.broker import Broker, Listener

TOPIC = "proxy-test/state"


def client(port: int, name: str) -> aiomqtt.Client:
    will = aiomqtt.Will(TOPIC, b"gone", qos=1, retain=True)
    return aiomqtt.Client("127.0.0.1", port, identifier=name, will=will, keepalive=60, timeout=3)


async def test_a_drop_fires_the_will_and_refuses_reconnects_until_restored(
    broker: Broker, proxy: BrokerProxy
) -> None:
    async with Listener(broker.port, TOPIC) as listener:
        async with client(proxy.port, "cut-one") as c:
            await c.publish(TOPIC, b"here", qos=1, retain=True)
            await listener.wait_for(TOPIC, lambda p: p == b"here")
            assert proxy.connections == 1
            proxy.cut()
            await listener.wait_for(TOPIC, lambda p: p == b"gone")
        accepted = proxy.accepted
        try:
            async with client(proxy.port, "cut-two"):
                raise AssertionError("connected through a cut proxy")
        except aiomqtt.MqttError:
            pass
        assert proxy.accepted == accepted + 1  # the attempt reached the proxy and was refused
        proxy.restore()
        async with client(proxy.port, "cut-three") as c:
            await c.publish(TOPIC, b"back", qos=1, retain=True)
            await listener.wait_for(TOPIC, lambda p: p == b"back")


async def test_a_blackhole_holds_messages_and_delivers_them_after_the_restore(
    broker: Broker, proxy: BrokerProxy
) -> None:
    async with Listener(broker.port, TOPIC) as listener, client(proxy.port, "hole") as c:
        await c.publish(TOPIC, b"before", qos=1)
        await listener.wait_for(TOPIC, lambda p: p == b"before")
        proxy.cut("blackhole")
        publish = asyncio.ensure_future(c.publish(TOPIC, b"during", qos=0))
        await asyncio.sleep(0.5)  # a bound on absence: nothing may arrive while the hole holds
        assert b"during" not in [m[1] for m in listener.messages]
        proxy.restore()
        await listener.wait_for(TOPIC, lambda p: p == b"during")
        await publish


async def test_a_client_straight_to_the_broker_is_not_cut(
    broker: Broker, proxy: BrokerProxy
) -> None:
    async with Listener(broker.port, TOPIC) as listener, client(broker.port, "direct") as c:
        proxy.cut()
        await c.publish(TOPIC, b"still here", qos=1)
        await listener.wait_for(TOPIC, lambda p: p == b"still here")
