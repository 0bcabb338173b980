"""OSC input (`timekeeper run … --osc PORT`): the operator's actions as OSC messages over UDP.

Address space: `/timekeeper/<action>` with the action names of the control API
(`/timekeeper/next`, `/timekeeper/turn`, `/timekeeper/extend 2`, `/timekeeper/jump
"qa" "confirm"`, `/timekeeper/message "Five minutes" 1`, `/timekeeper/auto-switch 0
"confirm"`). A string argument `"confirm"` is the API's `"confirm": true`; the other
arguments are the action's parameters in order (`minutes`; `slot`; `text`, `flash`;
`on`). The same `Controls` run them, so the same rules hold; the source is `osc`.
A string argument `"from:<slot id>"` is the API's `"from"` precondition. Each message
is answered to its sender: `/timekeeper/done <action> <result>` or
`/timekeeper/refused <action> <status> <reason>`. OSC has no password: the port
listens on loopback unless `--osc-bind` says otherwise, and is rate limited.

Nothing in a datagram can hold the event loop: bundle timetags are ignored (a message
acts when it arrives; python-osc's dispatcher would `time.sleep` until a future
timetag, on the loop), bundles nest at most `MAX_DEPTH` deep with at most
`MAX_MESSAGES` messages a datagram, every message is handled on its own (one that
fails is refused, the next is still read), and a malformed datagram (bad UTF-8, a
truncated argument) is refused and logged once with a count, never a traceback each.
All messages of one datagram share its arrival time, so copies of a show-moving
message in one datagram move the show once (the gate's "stale").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

from timekeeper.control.actions import PARAMS, Controls, Refused
from timekeeper.control.exposed import exposed
from timekeeper.control.notices import OscListening, RemoteRefused
from timekeeper.control.ratelimit import RateLimiter
from timekeeper.errors import UsageError
from timekeeper.speaker.oncelog import OnceLog
from timekeeper.speaker.trust import shown_host

log = logging.getLogger(__name__)
PREFIX = "/timekeeper/"
SOURCE = "osc"
OSC_LIMIT = (10.0, 2.0)  # a burst of 10 messages, then 2 a second, per sender address
MAX_DEPTH = 4  # bundles within bundles
MAX_MESSAGES = 16  # messages in one datagram; the rest are refused together
MAX_TEXT_ARG = 1000  # characters of a string argument
Reply = tuple[Any, ...]


class Malformed(Exception):
    """A datagram that is not OSC timekeeper can read; str() says why, briefly."""


def messages_in(dgram: bytes, depth: int = 0) -> list[OscMessage]:
    """The messages of a datagram in order, bundles flattened, timetags ignored."""
    if depth > MAX_DEPTH:
        raise Malformed(f"bundles nested more than {MAX_DEPTH} deep")
    if OscMessage.dgram_is_message(dgram):
        return [OscMessage(dgram)]
    if not OscBundle.dgram_is_bundle(dgram):
        raise Malformed("neither an OSC message nor a bundle")
    found: list[OscMessage] = []
    index = 16  # "#bundle\0" and the timetag, which is not waited for
    while index < len(dgram):
        size, index = osc_types.get_int(dgram, index)
        if size <= 0 or size % 4 or index + size > len(dgram):
            raise Malformed("a bundle element's size does not fit the datagram")
        found += messages_in(dgram[index : index + size], depth + 1)
        index += size
        if len(found) > MAX_MESSAGES:
            raise Malformed(f"more than {MAX_MESSAGES} messages in one datagram")
    return found


def _reply(address: str, *args: Any) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def params_from(name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """An OSC message's arguments as the action's JSON parameters."""
    confirm = any(isinstance(a, str) and a.lower() == "confirm" for a in args)
    rest = [a for a in args if not (isinstance(a, str) and a.lower() == "confirm")]
    precondition = [a for a in rest if isinstance(a, str) and a.startswith("from:")]
    rest = [a for a in rest if a not in precondition]
    names = PARAMS.get(name, ())
    if len(rest) > len(names) or len(precondition) > 1:
        raise Refused(400, f'{name} takes {len(names)} argument(s) besides "confirm"')
    if any(isinstance(a, str | bytes) and len(a) > MAX_TEXT_ARG for a in rest):
        raise Refused(400, f"arguments are limited to {MAX_TEXT_ARG} characters")
    params: dict[str, Any] = {"confirm": True} if confirm else {}
    if precondition:
        params["from"] = precondition[0][len("from:") :]
    for key, value in zip(names, rest, strict=False):
        if key in ("flash", "on") and isinstance(value, int | float):
            value = bool(value)  # OSC senders often have no boolean type
        params[key] = value
    return params


class OscInput:
    """Receives OSC on `host:port` and runs what it names through `controls`."""

    name = "osc"

    def __init__(
        self,
        controls: Controls,
        host: str,
        port: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.controls = controls
        self.host, self.port = host, port
        self.limiter = RateLimiter(*OSC_LIMIT, clock)
        self.clock = clock
        self.trouble = OnceLog(log, clock=clock)
        self._transport: asyncio.DatagramTransport | None = None

    def datagram(self, data: bytes, client: tuple[str, int]) -> list[Reply]:
        """One datagram: each message's reply in order (none for what is not OSC)."""
        arrived = self.clock()
        try:
            messages = messages_in(data)
        except Exception as exc:  # python-osc's parser has more ways to fail than it says
            self.trouble.tell("refused OSC datagrams", f"{type(exc).__name__} from {client[0]}")
            return []
        return [self.handle(client, m.address, *m.params, arrived=arrived) for m in messages]

    def handle(
        self, client: tuple[str, int], address: str, *args: Any, arrived: float | None = None
    ) -> Reply:
        """One message: what it did, or why not (also the reply to its sender)."""
        name = address[len(PREFIX) :] if address.startswith(PREFIX) else None
        shown = (name or address)[:60]
        try:
            if name is None:
                raise Refused(404, f"OSC addresses start with {PREFIX} (got {address[:60]!r})")
            if self.limiter.take(client[0]) > 0:
                raise Refused(429, "too many OSC messages: slow down")
            done = self.controls.run(name, params_from(name, args), SOURCE, arrived)
        except Refused as refused:
            self.controls.runtime.tell(
                RemoteRefused(action=shown, by=SOURCE, message=refused.reason)
            )
            return ("/timekeeper/refused", shown, refused.status, refused.reason)
        except Exception as exc:  # a bad message must never reach the event loop
            self.controls.runtime.session.failed("an OSC message", exc)
            return ("/timekeeper/refused", shown, 500, "internal error")
        return ("/timekeeper/done", done.action, done.result)

    async def start(self, runtime: object) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(self.host, self.port)
            )
        except OSError as exc:
            raise UsageError(
                f"cannot take OSC on {self.host}:{self.port}: {exc.strerror}; pass --osc N"
            ) from None
        exposed(self.controls.runtime, "osc", "OSC input (no password)", self.host,
                "--osc-bind")  # fmt: skip
        host = shown_host(self.host)
        shown = f"[{host}]" if ":" in host else host
        self.controls.runtime.tell(OscListening(message=f"OSC on udp://{shown}:{self.port}"))

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self.trouble.flush()


class _Protocol(asyncio.DatagramProtocol):
    """Each datagram handled at once, on the loop, with nothing that waits."""

    def __init__(self, osc: OscInput) -> None:
        self.osc = osc
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        client = (str(addr[0]), int(addr[1]))
        try:
            replies = self.osc.datagram(data, client)
            for reply in replies:
                if self.transport is not None:
                    self.transport.sendto(_reply(*reply), addr)
        except Exception as exc:  # nothing from the network reaches the event loop
            self.osc.trouble.tell("OSC replies not sent", type(exc).__name__)

    def error_received(self, exc: Exception) -> None:
        self.osc.trouble.tell("OSC socket errors", type(exc).__name__)
