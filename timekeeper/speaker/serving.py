"""Bounded serving for the run's HTTP server: what a flood of connections can cost the show.

The speaker screens and the control API share one aiohttp server on the operator's
event loop, so a LAN neighbour's idle sockets must not take its file descriptors:

- **per-address cap**: at most `PER_ADDRESS` open connections from one address (idle,
  half-sent or WebSocket followers alike); more are closed at once, so 1,000 cheap
  followers from one machine cannot lock real screens out;
- **header timeout**: a connection that has not sent a whole request `HEADER_TIMEOUT`
  after it opened is closed (half-sent requests); **idle timeout**: a kept-alive
  connection is closed after `IDLE_TIMEOUT` without a request (aiohttp's keep-alive);
- **descriptors**: the soft file-descriptor limit is raised to the hard one at start;
- **logs**: repeated accept errors (out of descriptors) and HTTP parse errors are
  logged once, then counted (`speaker/oncelog.py`), never a traceback each.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from typing import Any

from aiohttp import web

from timekeeper.speaker.oncelog import OnceLog

log = logging.getLogger(__name__)
PER_ADDRESS = 64  # open connections from one address
HEADER_TIMEOUT = 10.0  # seconds from connecting to a whole first request
IDLE_TIMEOUT = 15.0  # seconds a kept-alive connection may wait for its next request
WANTED_FDS = 65536  # the soft descriptor limit asked for (never above the hard one)
http_log = logging.getLogger("timekeeper.speaker.http")


def raise_fd_limit(wanted: int = WANTED_FDS) -> int:
    """Raise the soft descriptor limit towards `wanted` (capped by the hard one); the new soft."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        return int(soft)
    except (ValueError, OSError):  # a container may forbid it: keep what there is
        return int(resource.getrlimit(resource.RLIMIT_NOFILE)[0])


class _Counted(logging.Filter):
    """Lets the first record of each message through; counts the rest (OnceLog)."""

    def __init__(self, once: OnceLog) -> None:
        super().__init__()
        self.once = once

    def filter(self, record: logging.LogRecord) -> bool:
        self.once.tell("HTTP errors", str(record.msg)[:80])
        return False


class Guard:
    """Connection accounting per address, and the header deadline of each connection."""

    def __init__(self, per_address: int | None = None, header_timeout: float | None = None) -> None:
        """Defaults: the module's `PER_ADDRESS` and `HEADER_TIMEOUT`, read now."""
        self.per_address = PER_ADDRESS if per_address is None else per_address
        self.header_timeout = HEADER_TIMEOUT if header_timeout is None else header_timeout
        self.open: dict[str, int] = {}
        self.trouble = OnceLog(log)
        self._waiting: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}
        for old in [f for f in http_log.filters if isinstance(f, _Counted)]:
            http_log.removeFilter(old)  # the newest server's count
        http_log.addFilter(_Counted(self.trouble))

    def admit(self, address: str) -> bool:
        if self.open.get(address, 0) >= self.per_address:
            self.trouble.tell(
                "connections refused", f"{address} already has {self.per_address} open"
            )
            return False
        self.open[address] = self.open.get(address, 0) + 1
        return True

    def release(self, address: str) -> None:
        left = self.open.get(address, 1) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)

    def wait_for_request(self, transport: asyncio.BaseTransport) -> None:
        loop = asyncio.get_running_loop()
        self._waiting[transport] = loop.call_later(self.header_timeout, self._expire, transport)

    def request_seen(self, transport: asyncio.BaseTransport | None) -> None:
        """A whole request arrived on `transport`: its header deadline is met."""
        handle = self._waiting.pop(transport, None) if transport is not None else None
        if handle is not None:
            handle.cancel()

    def forget(self, transport: asyncio.BaseTransport) -> None:
        self.request_seen(transport)

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self._waiting.pop(transport, None)
        why = f"no whole request in {self.header_timeout:g} s"
        self.trouble.tell("half-sent requests closed", why)
        _abort(transport)

    def middleware(self) -> Any:
        @web.middleware
        async def seen(request: web.Request, handler: Any) -> web.StreamResponse:
            self.request_seen(request.transport)
            return await handler(request)  # type: ignore[no-any-return]

        return seen

    def on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> bool:
        """Count an accept error (out of descriptors) instead of logging it each time."""
        message = str(context.get("message", ""))
        if message.startswith("socket.accept() out of system resource"):
            self.trouble.tell("accept errors", f"{context.get('exception')!r}")
            return True
        return False


def _abort(transport: asyncio.BaseTransport) -> None:
    """Close at once, without waiting to flush (a stream transport's abort)."""
    if isinstance(transport, asyncio.WriteTransport):
        transport.abort()
    else:
        transport.close()


class _Guarded(asyncio.Protocol):
    """Wraps aiohttp's protocol for one connection: admitted, timed, accounted."""

    def __init__(self, guard: Guard, make: Any) -> None:
        self.guard, self.make = guard, make
        self.inner: asyncio.Protocol | None = None
        self.address: str | None = None
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self.guard.admit(address):
            _abort(transport)
            return
        self.address, self.transport = address, transport
        self.inner = self.make()
        self.inner.connection_made(transport)
        self.guard.wait_for_request(transport)

    def data_received(self, data: bytes) -> None:
        if self.inner is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.inner is not None else None

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.address is not None:
            self.guard.release(self.address)
        if self.transport is not None:
            self.guard.forget(self.transport)
        if self.inner is not None:
            self.inner.connection_lost(exc)


class GuardedSite(web.BaseSite):
    """A TCP site whose every connection passes `guard` (aiohttp's TCPSite, wrapped)."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, guard: Guard) -> None:
        super().__init__(runner)
        self._sock = sock
        self._guard = guard

    @property
    def name(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Guarded(self._guard, server), sock=self._sock, backlog=self._backlog
        )


def listen(host: str, port: int) -> socket.socket:
    """A listening socket for `host:port` (OSError as `create_server` would raise it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
