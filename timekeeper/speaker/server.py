"""SpeakerServer: serves the live show to speaker screens without slowing the operator.

The operator's event loop only ever does O(1) work per session change: the
session listener sets a flag. One broadcaster task then builds the snapshot once,
encodes it once, and drops it into each follower's one-slot mailbox; a writer
task per follower sends whatever is newest. A slow or dead follower therefore
only ever delays itself (it skips states it had no time for, which is harmless
because each snapshot is complete), and one that cannot take a message within
`send_timeout` is disconnected.

Routes (all GET, read-only): `/` the page, `/speaker.js`, `/speaker.css`,
`/state` the snapshot as JSON, `/ws` the live feed (see `protocol`). Every route,
and every route an extension adds (the control API), first passes `trust`: a
foreign `Origin` or a `Host` that is not this server's is refused. Connections are
bounded (`serving`): a cap per address, header and idle timeouts, the descriptor limit
raised, repeated errors counted. `url` names an address a follower can open (never
`0.0.0.0`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from timekeeper.core.engine import ShowEvent
from timekeeper.errors import UsageError
from timekeeper.show.session import ShowSession
from timekeeper.speaker.i18n import LANGUAGES
from timekeeper.speaker.protocol import build_snapshot, ping_echo, time_message
from timekeeper.speaker.schedule_feed import add_schedule_routes
from timekeeper.speaker.serving import IDLE_TIMEOUT, Guard, GuardedSite, http_log, listen
from timekeeper.speaker.serving import raise_fd_limit as raise_fd_limit
from timekeeper.speaker.trust import Trust, middleware, shown_host
from timekeeper.speaker.urls import DEFAULT_PORT

log = logging.getLogger(__name__)

HEARTBEAT = 3.0  # seconds between `time` messages (and state refresh checks)
SEND_TIMEOUT = 5.0  # a follower that cannot take one message in this long is dropped
MAX_FOLLOWERS = 1000
CLOSE_TIMEOUT = 2.0  # seconds stop() waits for a follower to acknowledge the close
MAX_INBOUND = 1024  # bytes: a follower only ever sends pings
MIN_PING_GAP = 0.25  # seconds: a follower flooding pings gets at most four answers a second
Extension = Callable[[web.Application], None]
STATIC = {
    "/": ("index.html", "text/html"),
    "/speaker.js": ("speaker.js", "text/javascript"),
    "/speaker.css": ("speaker.css", "text/css"),
    # the page's words in each language: the very files the terminal screen reads (speaker/i18n.py)
    **{f"/i18n/{lang}.json": (f"i18n/{lang}.json", "application/json") for lang in LANGUAGES},
}


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


@dataclass(eq=False)
class _Follower:
    """One connected follower: a one-slot mailbox for state, a short queue for replies."""

    ws: web.WebSocketResponse
    request: web.Request
    snapshot: str | None = None
    replies: deque[str] = field(default_factory=lambda: deque(maxlen=4))
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    last_pong: float = -math.inf

    def offer_snapshot(self, text: str) -> None:
        self.snapshot = text  # replaces one not sent yet: the newest state is all that matters
        self.ready.set()

    def offer_reply(self, text: str) -> None:
        self.replies.append(text)
        self.ready.set()


class SpeakerServer:
    """Serves `session` to speaker screens over HTTP and WebSocket, read-only."""

    def __init__(
        self,
        session: ShowSession,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        heartbeat: float = HEARTBEAT,
        send_timeout: float = SEND_TIMEOUT,
        max_followers: int = MAX_FOLLOWERS,
        allow_hosts: Iterable[str] = (),
        extensions: Iterable[Extension] = (),
    ) -> None:
        """`allow_hosts`: names besides this machine's own that followers may use in `Host`;
        `extensions` add routes to the app (the control API) before it starts."""
        self.session = session
        self.allow_hosts = tuple(allow_hosts)
        self.extensions = tuple(extensions)
        self.trust = Trust.for_server(port or None, self.allow_hosts)
        self.host = host
        self.port = port
        self.heartbeat = heartbeat
        self.send_timeout = send_timeout
        self.max_followers = max_followers
        self.url: str | None = None
        self.sent = 0  # snapshots handed to followers' sockets (for the benchmark)
        self._seq = 0
        self._last_json: str | None = None  # the latest broadcast snapshot minus its clock fields
        self._message_at: datetime | None = None
        self._followers: set[_Follower] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dirty = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._subscribed = False
        self._static = {route: self._load(name) for route, (name, _) in STATIC.items()}
        self.guard = Guard()
        self._restore_handler: Callable[[], None] = lambda: None

    # ------------------------------------------------------------ lifecycle

    @property
    def followers(self) -> int:
        return len(self._followers)

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> str:
        """Listen and start broadcasting; return the URL (port 0 picks a free port)."""
        if self._runner is not None:
            assert self.url is not None
            return self.url
        raise_fd_limit()
        guard = self.guard = Guard()
        app = web.Application(middlewares=[guard.middleware(), middleware(lambda: self.trust)])
        for extension in self.extensions:
            extension(app)
        for route in STATIC:
            app.router.add_get(route, self._static_handler)
        app.router.add_get("/state", self._state_handler)
        app.router.add_get("/ws", self._ws_handler)
        add_schedule_routes(app, self.session)  # issue 25: /schedule.json, /schedule.ics
        app.on_shutdown.append(self._close_followers)  # also those that connected while stopping
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=CLOSE_TIMEOUT,
            keepalive_timeout=IDLE_TIMEOUT,
            logger=http_log,
        )
        await runner.setup()
        try:
            await GuardedSite(runner, listen(self.host, self.port), guard).start()
        except OSError as exc:
            await runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {self.port} is in use; pass --port N (0 turns the speaker screens off)"
                ) from None
            raise UsageError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.trust = Trust.for_server(self.port, self.allow_hosts)
        host = shown_host(self.host)
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"
        self._count_accept_errors(guard)
        # the session has no unsubscribe: subscribe once, and mute the listener while stopped
        if not self._subscribed:
            self.session.subscribe(self._on_events)
            self._subscribed = True
        self._dirty = asyncio.Event()
        self._spawn(self._broadcaster())
        self._spawn(self._heartbeat())
        return self.url

    async def stop(self) -> None:
        """Close every follower (they reconnect by themselves) and stop listening."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT)
        await self._close_followers()
        await runner.cleanup()
        self.guard.trouble.flush()
        self._restore_handler()

    def _count_accept_errors(self, guard: Guard) -> None:
        """Out of descriptors, asyncio logs every failed accept: count them instead."""
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if guard.on_loop_error(loop, context):
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handler)
        self._restore_handler = lambda: loop.set_exception_handler(previous)

    async def _close_followers(self, app: web.Application | None = None) -> None:
        followers, self._followers = list(self._followers), set()
        await asyncio.gather(
            *(f.ws.close(code=1001, message=b"server stopping") for f in followers),
            return_exceptions=True,
        )

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------ state

    def snapshot(self) -> dict[str, Any]:
        """The show as it stands now, as the protocol's `snapshot` message."""
        s = self.session
        msg = s.message
        return build_snapshot(
            s.status(),
            s.programme,
            seq=self._seq,
            speed=s.clock.speed,
            rehearsal=s.rehearsal,
            message=(msg.text, msg.flash, self._message_at) if msg is not None else None,
        )

    def _on_events(self, events: list[ShowEvent]) -> None:
        """Session listener: runs inside the operator's action, so it only marks the state dirty."""
        for event in events:
            if event.kind == "message":
                self._message_at = event.at
        if self._runner is not None:
            self._dirty.set()

    def _encode_if_changed(self, force: bool) -> str | None:
        """Encode the snapshot once; None when nothing but the clock moved (unless forced)."""
        snap = self.snapshot()
        body = _dumps({k: v for k, v in snap.items() if k not in {"seq", "show_time"}})
        if not force and body == self._last_json:
            return None
        self._last_json = body
        self._seq += 1
        snap["seq"] = self._seq
        return _dumps(snap)

    async def _broadcaster(self) -> None:
        """One snapshot per change: events published in one go arrive as one wake-up."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                text = self._encode_if_changed(force=True)
            except Exception:  # a bug here must not stop later updates, nor reach the operator
                log.exception("speaker server: cannot build the snapshot")
                continue
            if text is not None:
                self._fan_out(text)

    def _fan_out(self, text: str) -> None:
        for follower in self._followers:
            follower.offer_snapshot(text)

    async def _heartbeat(self) -> None:
        """Send the show time and catch changes no event announces (a forecast drifting)."""
        while True:
            await asyncio.sleep(self.heartbeat)
            if not self._followers:
                continue
            try:
                changed = self._encode_if_changed(force=False)
                s = self.session
                beat = _dumps(time_message("time", s.clock.now(), s.clock.speed))
            except Exception:
                log.exception("speaker server: cannot build the heartbeat")
                continue
            if changed is not None:
                self._fan_out(changed)
            for follower in self._followers:
                follower.offer_reply(beat)

    # ------------------------------------------------------------ HTTP

    @staticmethod
    def _load(name: str) -> bytes:
        static = resources.files("timekeeper.speaker").joinpath("static")
        return static.joinpath(*name.split("/")).read_bytes()

    async def _static_handler(self, request: web.Request) -> web.Response:
        _, content_type = STATIC[request.path]
        return web.Response(
            body=self._static[request.path],
            content_type=content_type,
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def _state_handler(self, request: web.Request) -> web.Response:
        return web.Response(
            text=_dumps(self.snapshot()),
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        if len(self._followers) >= self.max_followers:
            raise web.HTTPServiceUnavailable(text="too many speaker screens connected")
        mine = sum(1 for f in self._followers if f.request.remote == request.remote)
        if mine >= max(1, self.max_followers // 4):  # one machine cannot take every place
            raise web.HTTPServiceUnavailable(text="too many speaker screens from this address")
        ws = web.WebSocketResponse(
            timeout=CLOSE_TIMEOUT,
            heartbeat=max(10.0, self.heartbeat * 3),
            compress=False,  # deflate per follower would cost the operator CPU for every send
            max_msg_size=MAX_INBOUND,
        )
        await ws.prepare(request)
        follower = _Follower(ws, request)
        follower.offer_snapshot(_dumps(self.snapshot()))  # fresh: its show_time anchors the clock
        self._followers.add(follower)
        writer = self._spawn(self._writer(follower))
        try:
            await self._reader(follower)
        finally:
            self._followers.discard(follower)
            writer.cancel()
            with contextlib.suppress(Exception):
                await ws.close()
        return ws

    async def _reader(self, follower: _Follower) -> None:
        """Answer clock pings; ignore everything else (followers never change the show)."""
        loop = asyncio.get_running_loop()
        async for msg in follower.ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            try:
                echo = ping_echo(json.loads(msg.data))
            except ValueError:
                continue
            now = loop.time()
            if echo is not None and now - follower.last_pong >= MIN_PING_GAP:
                follower.last_pong = now
                s = self.session
                pong = time_message("pong", s.clock.now(), s.clock.speed, echo)
                follower.offer_reply(_dumps(pong))

    async def _writer(self, follower: _Follower) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that lands as the send completes, and stop() would then wait for ever
        ws = follower.ws
        try:
            while not ws.closed:
                await follower.ready.wait()
                follower.ready.clear()
                while follower.replies:
                    async with asyncio.timeout(self.send_timeout):
                        await ws.send_str(follower.replies.popleft())
                if follower.snapshot is not None:
                    text, follower.snapshot = follower.snapshot, None
                    async with asyncio.timeout(self.send_timeout):
                        await ws.send_str(text)
                    self.sent += 1
        except (TimeoutError, ConnectionError, RuntimeError) as exc:
            log.info("dropping a speaker screen that does not keep up: %r", exc)
            self._followers.discard(follower)
            transport = follower.request.transport
            if transport is not None:  # a polite close would wait on the same full buffer
                transport.abort()
