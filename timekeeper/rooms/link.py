"""BrokerLink: one connection to the MQTT broker, kept up for as long as it runs.

The only module that imports aiomqtt (an import contract keeps it so). It connects
with a last will, subscribes, hands each message to a callback, and when the broker
goes away (refused, killed, a stalled keepalive) waits with backoff — on an injected
`sleep`, so tests drive the timer — and connects again; `on_connected` runs on every
connection so the owner republishes its retained state. Publishing while away is
refused (returns False): the show never waits for the broker. The password is
handed to the client and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

import aiomqtt
from aiomqtt.exceptions import MqttConnectError

from timekeeper.rooms.settings import BrokerSettings

Sleep = Callable[[float], Awaitable[None]]
KEEPALIVE = 5  # seconds: a stalled broker is noticed within about 1.5× this
CONNECT_TIMEOUT = 3.0


@dataclass(frozen=True)
class Backoff:
    """0.1 s doubling to 0.5 s, ±10 % jitter: a returning broker is found within about half a
    second (a refused connect costs next to nothing, so trying twice a second is cheap)."""

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 0.5
    jitter: float = 0.1

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait after failed attempt `attempt` (1-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(attempt - 1, 0))
        return base * (1 + self.jitter * (2 * rng.random() - 1))


@dataclass(frozen=True)
class LinkState:
    """What the panel shows: connected or not, failed attempts since the last connection."""

    url: str
    connected: bool = False
    attempts: int = 0
    error: str | None = None
    connections: int = 0  # how many times it has connected (1 = the first)


class BrokerLink:
    def __init__(
        self,
        settings: BrokerSettings,
        *,
        identifier: str,
        will: tuple[str, bytes] | None = None,
        subscriptions: Sequence[str] = (),
        on_message: Callable[[str, bytes], None] | None = None,
        on_connected: Callable[[], Awaitable[None]] | None = None,
        on_state: Callable[[LinkState], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        keepalive: int = KEEPALIVE,
    ) -> None:
        self.settings = settings
        self.identifier = identifier
        self.will = will
        self.subscriptions = tuple(subscriptions)
        self.on_message = on_message
        self.on_connected = on_connected
        self.on_state = on_state
        self.sleep = sleep
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.keepalive = keepalive
        self.state = LinkState(settings.url)
        self._client: aiomqtt.Client | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def _set(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        if self.on_state is not None:
            self.on_state(self.state)

    def _make_client(self) -> aiomqtt.Client:
        s = self.settings
        tls = None
        if s.tls:
            tls = ssl.create_default_context(cafile=s.ca_file)
        will = aiomqtt.Will(self.will[0], self.will[1], qos=1, retain=True) if self.will else None
        return aiomqtt.Client(
            s.host,
            s.port,
            username=s.username,
            password=s.password,
            identifier=self.identifier,
            will=will,
            keepalive=self.keepalive,
            timeout=CONNECT_TIMEOUT,
            tls_context=tls,
        )

    async def run(self) -> None:
        """Connect, serve, and reconnect with backoff, until cancelled or `close()`d."""
        while not self._stopping:
            try:
                async with self._make_client() as client:
                    self._client = client
                    for topic in self.subscriptions:
                        await client.subscribe(topic, qos=1)
                    self._set(
                        connected=True,
                        attempts=0,
                        error=None,
                        connections=self.state.connections + 1,
                    )
                    if self.on_connected is not None:
                        await self.on_connected()
                    async for message in client.messages:
                        if self.on_message is not None:
                            payload = message.payload
                            data = payload if isinstance(payload, bytes) else str(payload).encode()
                            self.on_message(str(message.topic), data)
            except aiomqtt.MqttError as exc:
                self._client = None
                if self._stopping:
                    return
                error = _reason(exc, self.settings)
                self._set(connected=False, attempts=self.state.attempts + 1, error=error)
                await self.sleep(self.backoff.delay(self.state.attempts, self.rng))
            finally:
                self._client = None

    async def publish(
        self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 0
    ) -> bool:
        """Send now if connected; False (nothing queued) while the broker is away."""
        client = self._client
        if client is None or not self.state.connected:
            return False
        try:
            await client.publish(topic, payload, qos=qos, retain=retain, timeout=CONNECT_TIMEOUT)
        except aiomqtt.MqttError:
            return False
        return True

    def start(self) -> None:
        """Run the link in its own task (returns at once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def close(self, last: Sequence[tuple[str, bytes]] = ()) -> None:
        """Publish `last` (retained: e.g. online=false) if connected, then disconnect."""
        for topic, payload in last:
            await self.publish(topic, payload, retain=True, qos=1)
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task
        self._set(connected=False)


REFUSED_CODES = {4, 5, 134, 135}  # CONNACK: bad user name or password, not authorised (3.1.1, 5)


def _reason(exc: aiomqtt.MqttError, settings: BrokerSettings) -> str:
    if isinstance(exc, MqttConnectError):
        rc = exc.rc
        if getattr(rc, "value", rc) in REFUSED_CODES:  # a paho ReasonCode or an int
            return settings.refused()
    text = str(exc) or type(exc).__name__
    return text[:120]
