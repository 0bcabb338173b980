"""Follower: the client side of the speaker feed, shared by the terminal app and the benchmark.

It keeps the last snapshot and the clock anchor, reconnects by itself with
backoff, and answers `display()` at any instant from those alone, so a screen
keeps counting through a dropped connection. The reconnect policy is data
(`Backoff`), not code spread over except clauses. A cancel stops it for sure: the
connection loop runs in its own task, cancelled until it ends (timekeeper.tasks).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from timekeeper.core.clock import Clock
from timekeeper.speaker.i18n import Strings, english
from timekeeper.speaker.protocol import (
    VERSION,
    ClockEstimator,
    Display,
    ProtocolError,
    Snapshot,
    follow,
    follower_urls,
    parse_snapshot,
    parse_time,
)
from timekeeper.tasks import stop_task

log = logging.getLogger(__name__)

PING_EVERY = 0.5  # real seconds between clock pings (each answered: the screen hears the operator)
QUIET = 1.5  # real seconds without a message before the screen says it is not hearing the operator
SILENCE = 3.0  # real seconds without any message before the connection counts as dead
STOP_WITHIN = 0.5  # real seconds the connection loop has to end once cancelled
RETRIED = (aiohttp.ClientError, OSError, TimeoutError)  # errors that mean "try again later"


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: `first`, growing by `factor` up to `most`, with up to `jitter` spread.

    The jitter keeps fifty screens from all knocking at the same instant when
    the operator restarts timekeeper.
    """

    first: float = 0.25
    factor: float = 2.0
    most: float = 1.0  # a screen is back within about a second of the operator
    jitter: float = 0.2

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay * (1 + random.uniform(0, self.jitter))
            delay = min(delay * self.factor, self.most)


class Follower:
    """Follows one speaker server; `display()` says what to show at the clock's now."""

    def __init__(
        self,
        url: str,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        ping_every: float = PING_EVERY,
        silence: float = SILENCE,
        on_change: Callable[[], None] | None = None,
        words: Strings | None = None,
        quiet: float = QUIET,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`monotonic`: real seconds, for how long the operator has been quiet (the show
        clock may be a rehearsal's, or a test's that stands still)."""
        self.urls = follower_urls(url)  # ValueError on a malformed URL: the caller says so
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.ping_every = ping_every
        self.silence = silence
        self.on_change = on_change
        self.words = words or english()
        self.quiet = quiet
        self.monotonic = monotonic
        self.last_heard: float | None = None  # monotonic instant of the last message
        self.snapshot: Snapshot | None = None
        self.connected = False
        self.connections = 0  # successful connections so far
        self.error = ""
        self.estimator = ClockEstimator()
        self._pings: dict[int, datetime] = {}
        self._fresh = False
        self._counter = itertools.count(1)
        self._stopping = False

    def display(self) -> Display:
        """The screen at this instant, from the last state and the clock anchor."""
        now = self.clock.now()
        return follow(
            self.snapshot,
            now,
            self.estimator.sync,
            self.connected,
            self.urls.page.rstrip("/"),
            silent=self.silent(),
            words=self.words,
        )

    def silent(self) -> bool:
        """Connected, but nothing heard for `quiet` seconds: a stalled link or a frozen operator."""
        if not self.connected or self.last_heard is None:
            return False
        return self.monotonic() - self.last_heard > self.quiet

    async def run(self) -> None:
        """Connect, follow, and on any drop reconnect with backoff; forever (cancel to stop:
        the cancel lands on a plain wait here, and the loop is cancelled until it ends)."""
        follow = asyncio.get_running_loop().create_task(self._follow(), name="speaker-feed")
        try:
            await asyncio.wait({follow})
        except asyncio.CancelledError:
            self._stopping = True
            await stop_task(follow, STOP_WITHIN, "the speaker feed")
            raise
        follow.result()

    async def _follow(self) -> None:
        async with aiohttp.ClientSession() as http:
            delays = self.backoff.delays()
            while not self._stopping:
                try:
                    await self._session(http)
                    delays = self.backoff.delays()  # it had connected: start the backoff anew
                except RETRIED as exc:
                    self.error = str(exc) or type(exc).__name__
                    log.debug("speaker feed: %s", self.error)
                except Exception as exc:  # a speaker screen never gives up: log it and retry
                    self.error = str(exc) or type(exc).__name__
                    log.exception("speaker feed: unexpected error")
                self._set_connected(False)
                await asyncio.sleep(next(delays))

    async def _session(self, http: aiohttp.ClientSession) -> None:
        async with http.ws_connect(
            self.urls.ws, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=2.0)
        ) as ws:
            self._fresh = True  # forget the old clock anchor once the new one has arrived
            self._pings.clear()
            self.connections += 1
            self.error = ""
            pinger = asyncio.get_running_loop().create_task(self._pinger(ws))
            try:
                while not self._stopping:
                    msg = await ws.receive(timeout=self.silence)
                    if msg.type is aiohttp.WSMsgType.TEXT:
                        self.receive(str(msg.data))
                    elif msg.type in (
                        aiohttp.WSMsgType.CLOSE,
                        aiohttp.WSMsgType.CLOSING,
                        aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.ERROR,
                    ):
                        self.error = "the server closed the connection"
                        return
            finally:
                pinger.cancel()

    async def _pinger(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not ws.closed and not self._stopping:
            n = next(self._counter)
            self._pings = {k: v for k, v in self._pings.items() if k > n - 8}
            self._pings[n] = self.clock.now()
            await ws.send_str(json.dumps({"v": VERSION, "type": "ping", "t": n}))
            await asyncio.sleep(self.ping_every)

    def receive(self, text: str) -> None:
        """Handle one message from the server (public so tests and benchmarks can feed it)."""
        local = self.clock.now()
        self.last_heard = self.monotonic()
        try:
            data = json.loads(text)
            kind = data.get("type") if isinstance(data, dict) else None
            if kind == "snapshot":
                snap = parse_snapshot(data)
                self._first_on_connection()
                if self.snapshot is None or snap.seq >= self.snapshot.seq or not self.connected:
                    self.snapshot = snap
                self.estimator.arrived(snap.show_time, snap.speed, local)
                self._set_connected(True)
            elif kind in {"time", "pong"}:
                kind, show_time, speed, echo = parse_time(data)
                self._first_on_connection()
                sent = self._pings.pop(echo, None) if isinstance(echo, int) else None
                if kind == "pong" and sent is not None:
                    self.estimator.pong(sent, local, show_time, speed)
                else:
                    self.estimator.arrived(show_time, speed, local)
        except (ValueError, ProtocolError) as exc:
            log.warning("speaker feed: ignoring a bad message: %s", exc)
            return
        self._changed()

    def _first_on_connection(self) -> None:
        """A new connection may be to another run with another clock: drop the old anchor,
        but only now that a new one arrives, so the screen never stops counting meanwhile."""
        if self._fresh:
            self._fresh = False
            self.estimator.reset()

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
