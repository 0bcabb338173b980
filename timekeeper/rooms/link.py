"""BrokerLink: one connection to the MQTT broker, kept up for as long as it runs.

The only module that imports aiomqtt (an import contract keeps it so). It connects
with a last will, subscribes, hands each message to a callback, and when the broker
goes away (refused, killed, a stalled keepalive) waits with backoff — on an injected
`sleep`, so tests drive the timer — and connects again; `on_connected` runs on every
connection so the owner republishes its retained state. Publishing while away is
refused (returns False): the show never waits for the broker. The password is
handed to the client and nowhere else.

A link never dies silently: each incoming message is handled on its own (a handler
that raises drops that message, logged once with a count), any other failure counts
as a lost connection (reconnect with backoff), and should the task end anyway it is
started again, the state saying "not connected" until it is back. `close()` is
bounded: the goodbye (e.g. `online=false`) gets `GOODBYE_WITHIN`, the task is cancelled
until it ends (timekeeper.tasks), so quitting never waits on the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

import aiomqtt
from aiomqtt.exceptions import MqttConnectError

from timekeeper.rooms.settings import BrokerSettings
from timekeeper.tasks import run_within, stop_task

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
KEEPALIVE = 5  # seconds: a stalled broker is noticed within about 1.5× this
CONNECT_TIMEOUT = 3.0
GOODBYE_WITHIN = 0.7  # seconds a closing link has to publish its last messages
STOP_WITHIN = 0.3  # seconds a closing link's task has to end once cancelled


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
    dropped: int = 0  # incoming messages whose handler raised (each dropped, the link lives on)


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

    def _make_client(self) -> aiomqtt.Client:
        s = self.settings
        tls = s.tls_context()
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
                await self._serve()
                error = "the broker ended the connection"
            except aiomqtt.MqttError as exc:
                error = _reason(exc, self.settings)
            except Exception as exc:  # a bug must not end the link: count it as a lost connection
                log.exception("the broker link failed; reconnecting")
                error = f"internal error ({type(exc).__name__}); reconnecting"
            finally:
                self._client = None
            if self._stopping:
                return
            self._set(connected=False, attempts=self.state.attempts + 1, error=error)
            await self.sleep(self.backoff.delay(self.state.attempts, self.rng))

    async def _serve(self) -> None:
        """One connection: subscribe, announce, then hand over messages until it ends."""
        async with self._make_client() as client:
            self._client = client
            for topic in self.subscriptions:
                await client.subscribe(topic, qos=1)
            self._set(
                connected=True, attempts=0, error=None, connections=self.state.connections + 1
            )
            if self.on_connected is not None:
                await self.on_connected()
            async for message in client.messages:
                if self._stopping:
                    return
                payload = message.payload
                data = payload if isinstance(payload, bytes) else str(payload).encode()
                self._deliver(str(message.topic), data)

    def _deliver(self, topic: str, data: bytes) -> None:
        """One message to the handler; whatever it raises drops only this message."""
        if self.on_message is None:
            return
        try:
            self.on_message(topic, data)
        except Exception as exc:
            self.state = replace(self.state, dropped=self.state.dropped + 1)
            n = self.state.dropped
            if n & (n - 1) == 0:  # the 1st, 2nd, 4th, 8th…: a flood cannot flood the log
                log.warning(
                    "dropped a message on %s that could not be handled (%d so far): %s: %s",
                    topic,
                    n,
                    type(exc).__name__,
                    str(exc)[:200],
                    exc_info=n == 1,
                )

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

    def start(self, after: float = 0.0) -> None:
        """Run the link in its own task (returns at once), after `after` seconds; a task that
        ends while the link is not closing is started again."""
        if self._task is None and not self._stopping:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run_after(after), name="broker-link")
            self._task.add_done_callback(self._ended)

    async def _run_after(self, delay: float) -> None:
        if delay > 0:
            await self.sleep(delay)
        await self.run()

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The link's task ended: unless closing, say the link is down and start it again."""
        if self._stopping or task is not self._task:
            return
        self._task = None
        why = "cancelled" if task.cancelled() else repr(task.exception())
        log.error("the broker link stopped (%s); starting it again", why)
        self._client = None
        self._set(connected=False, attempts=self.state.attempts + 1, error="link restarted")
        self.start(after=self.backoff.delay(self.state.attempts, self.rng))

    async def close(
        self, last: Sequence[tuple[str, bytes]] = (), within: float = GOODBYE_WITHIN
    ) -> None:
        """Publish `last` (retained: e.g. online=false) if connected, then disconnect; never
        longer than about `within` + STOP_WITHIN seconds, whatever the broker does."""
        said: list[bool] = []
        if last:
            await run_within(self._publish_all(last, said), within, "the goodbye to the broker")
            if not said:  # no clean DISCONNECT then: the broker publishes the last will instead
                self._drop_connection()
        self._stopping = True
        task, self._task = self._task, None
        await stop_task(task, STOP_WITHIN, "the broker link")
        self._set(connected=False)

    async def _publish_all(self, messages: Sequence[tuple[str, bytes]], said: list[bool]) -> None:
        for topic, payload in messages:
            if not await self.publish(topic, payload, retain=True, qos=1):
                return
        said.append(True)

    def _drop_connection(self) -> None:
        """Close the socket without a goodbye (as a killed process would): the broker, once it
        notices, publishes the last will."""
        paho = getattr(self._client, "_client", None)  # aiomqtt's paho client
        sock = paho.socket() if paho is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _set(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        if self.on_state is not None:
            try:
                self.on_state(self.state)
            except Exception:  # whoever shows the state must not take the link down
                log.exception("showing the broker link's state failed")


REFUSED_CODES = {4, 5, 134, 135}  # CONNACK: bad user name or password, not authorised (3.1.1, 5)


def _reason(exc: aiomqtt.MqttError, settings: BrokerSettings) -> str:
    cause = exc.__cause__ or exc.__context__  # aiomqtt raises its own error from the SSL one
    if isinstance(cause, ssl.SSLError):
        return settings.tls_refused(cause)
    if isinstance(exc, MqttConnectError):
        rc = exc.rc
        if getattr(rc, "value", rc) in REFUSED_CODES:  # a paho ReasonCode or an int
            return settings.refused()
    text = str(exc) or type(exc).__name__
    return text[:120]
