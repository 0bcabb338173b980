"""OSC input (`timekeeper run … --osc PORT`): the operator's actions as OSC messages over UDP.

Address space: `/timekeeper/<action>` with the action names of the control API
(`/timekeeper/next`, `/timekeeper/turn`, `/timekeeper/extend 2`, `/timekeeper/jump
"qa" "confirm"`, `/timekeeper/message "Five minutes" 1`, `/timekeeper/auto-switch 0
"confirm"`). A string argument `"confirm"` is the API's `"confirm": true`; the other
arguments are the action's parameters in order (`minutes`; `slot`; `text`, `flash`;
`on`). The same `Controls` run them, so the same rules hold; the source is `osc`.
Each message is answered to its sender: `/timekeeper/done <action> <result>` or
`/timekeeper/refused <action> <status> <reason>`. OSC has no password: the port
listens on loopback unless `--osc-bind` says otherwise, and is rate limited.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import AsyncIOOSCUDPServer

from timekeeper.control.actions import PARAMS, Controls, Refused
from timekeeper.control.ratelimit import RateLimiter
from timekeeper.errors import UsageError

log = logging.getLogger(__name__)
PREFIX = "/timekeeper/"
SOURCE = "osc"
OSC_LIMIT = (10.0, 2.0)  # a burst of 10 messages, then 2 a second, per sender address
Reply = tuple[Any, ...]


def params_from(name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """An OSC message's arguments as the action's JSON parameters."""
    confirm = any(isinstance(a, str) and a.lower() == "confirm" for a in args)
    rest = [a for a in args if not (isinstance(a, str) and a.lower() == "confirm")]
    names = PARAMS.get(name, ())
    if len(rest) > len(names):
        raise Refused(400, f'{name} takes {len(names)} argument(s) besides "confirm"')
    params: dict[str, Any] = {"confirm": True} if confirm else {}
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
        self._transport: asyncio.BaseTransport | None = None

    def handle(self, client: tuple[str, int], address: str, *args: Any) -> Reply:
        """One message: what it did, or why not (also the reply to its sender)."""
        name = address[len(PREFIX) :] if address.startswith(PREFIX) else None
        shown = name or address
        try:
            if name is None:
                raise Refused(404, f"OSC addresses start with {PREFIX} (got {address[:60]!r})")
            if self.limiter.take(client[0]) > 0:
                raise Refused(429, "too many OSC messages: slow down")
            done = self.controls.run(name, params_from(name, args), SOURCE)
        except Refused as refused:
            self.controls.runtime.notice(
                "remote_refused", action=shown, by=SOURCE, message=refused.reason
            )
            return ("/timekeeper/refused", shown, refused.status, refused.reason)
        except Exception as exc:  # a bad message must never reach the event loop
            self.controls.runtime.session.failed("an OSC message", exc)
            return ("/timekeeper/refused", shown, 500, "internal error")
        return ("/timekeeper/done", done.action, done.result)

    async def start(self, runtime: object) -> None:
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self.handle, needs_reply_address=True)
        loop = asyncio.get_running_loop()
        server = AsyncIOOSCUDPServer((self.host, self.port), dispatcher, loop)  # type: ignore[arg-type]
        try:
            self._transport, _ = await server.create_serve_endpoint()
        except OSError as exc:
            raise UsageError(
                f"cannot take OSC on {self.host}:{self.port}: {exc.strerror}; pass --osc N"
            ) from None
        self.controls.runtime.notice(
            "osc_listening", message=f"OSC on udp://{self.host}:{self.port}"
        )

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
