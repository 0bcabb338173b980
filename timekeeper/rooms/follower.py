"""RoomFollower: a speaker screen's source that follows one room through the broker.

`timekeeper speaker --mqtt URL --room NAME` reads the room's retained `status` (the
speaker protocol's snapshot) and `online` from the broker instead of the operator's
HTTP server, so a stage display depends on the broker, not on the operator's laptop.
It answers `display()` at any instant like the HTTP `Follower`: the digits are
computed from the snapshot's timestamps, anchored on its `sent_at` (the room's real
time when it published): a status is published only on change and a late joiner may
get a retained one minutes old, so its arrival time says nothing about the show
clock. The screen and the room's machine must therefore keep NTP time (they do on
any venue network). While the broker is away, or the room has dropped off (its
`online` false, the last will), the screen keeps counting and says so.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

from timekeeper.core.clock import Clock
from timekeeper.rooms.link import Backoff, BrokerLink, LinkState
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.speaker.clocksync import ClockSync
from timekeeper.speaker.display import Display, compute_display, waiting_display
from timekeeper.speaker.i18n import Strings, english
from timekeeper.speaker.snapshot import Snapshot, parse_snapshot
from timekeeper.speaker.wire import ProtocolError, load_message
from timekeeper.speaker.wire import read_instant as _instant

log = logging.getLogger(__name__)

BROKER_LOST = english().t("broker_lost")
ROOM_OFFLINE = english().t("room_offline")  # the room's last will: it dropped off
ROOM_SILENT = english().t("room_silent")  # a broker back without its retained
ROOM_QUIET = english().t("room_quiet")  # its heartbeats stopped: a frozen room
BAD_STATUS = english().t("bad_status")
QUIET = 1.5  # real seconds without a heartbeat before the screen says it is not hearing the room


class RoomFollower:
    """Follows one room's `status` and `online`; `display()` says what to show now."""

    def __init__(
        self,
        settings: BrokerSettings,
        topics: RoomTopics,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        on_change: Callable[[], None] | None = None,
        words: Strings | None = None,
        quiet: float = QUIET,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`monotonic`: real seconds, for how long the room has been quiet (the show clock may
        be a rehearsal's, or a test's that stands still)."""
        self.settings = settings
        self.words = words or english()
        self.quiet = quiet
        self.monotonic = monotonic
        self.last_beat: float | None = None  # monotonic instant of the room's last heartbeat
        self.topics = topics
        self.clock = clock
        self.on_change = on_change
        self.snapshot: Snapshot | None = None
        self.anchor: ClockSync | None = None
        self.online: bool | None = None  # None: not heard from the room yet
        self.received = 0  # status messages taken (for tests and the benchmark)
        self.link = BrokerLink(
            settings,
            identifier=f"tk-speaker-{topics.venue}-{topics.room}-{secrets.token_hex(3)}"[:64],
            # `online` first: the broker sends each subscription's retained message after its
            # acknowledgement, so the room's status never arrives before whether it is online
            subscriptions=[topics.online, topics.status, topics.beat],
            on_message=self.receive,
            on_state=self._on_state,
            backoff=backoff,
        )

    @property
    def connected(self) -> bool:
        return self.link.state.connected

    @property
    def state(self) -> LinkState:
        return self.link.state

    async def run(self) -> None:
        """Connect and follow, reconnecting with backoff, until cancelled. The link runs in its
        own task, so the cancel lands here, on a plain wait that cannot swallow it, and the
        link is closed within its bound (a cancel lost inside aiomqtt cannot keep it alive)."""
        self.link.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.link.close()

    def display(self) -> Display:
        """The screen at this instant, from the last status and its timestamps."""
        local = self.clock.now()
        words = self.words
        if self.snapshot is None or self.anchor is None:
            where = f"{self.topics.base} on {self.settings.url}"
            if self.connected:
                return waiting_display(words.t("waiting_room", where=where), local, words)
            return waiting_display(words.t("connecting_to", host=self.settings.url), local, words)
        status = ""
        if not self.connected:
            status = words.t("broker_lost")
        elif self.online is False:
            status = words.t("room_offline")
        elif self.online is None:
            status = words.t("room_silent")
        elif self.is_quiet():
            status = words.t("room_quiet")
        try:
            return compute_display(self.snapshot, self.anchor.show_at(local), local, status, words)
        except (ArithmeticError, ValueError):  # valid fields whose clock runs past any year
            return waiting_display(words.t("bad_status"), local, words)

    def is_quiet(self) -> bool:
        """The room's heartbeats have stopped for `quiet` seconds (a room that never sent one,
        an older timekeeper, is judged by its `online` alone)."""
        if self.last_beat is None:
            return False
        return self.monotonic() - self.last_beat > self.quiet

    def receive(self, topic: str, payload: bytes) -> None:
        """One broker message (public so tests and benchmarks can feed it)."""
        if topic == self.topics.beat:
            quiet = self.is_quiet()
            self.last_beat = self.monotonic()
            if quiet:
                self._changed()  # heard again: the screen says so at once
            return
        if topic == self.topics.online:
            self.online = payload.strip() == b"true"
        elif topic == self.topics.status:
            try:
                data = load_message(payload)  # bounded: size, nesting, every field's range
                snap = parse_snapshot(data)
                sent_at = _instant(data.get("sent_at")) if isinstance(data, dict) else None
            except (ValueError, ProtocolError) as exc:
                log.warning("room status: ignoring a bad message: %s", exc)
                return
            # without sent_at (an older room), the arrival is the best anchor there is
            self.anchor = ClockSync(sent_at or self.clock.now(), snap.show_time, snap.speed)
            self.snapshot = snap
            self.received += 1
        else:
            return
        self._changed()

    def _on_state(self, state: LinkState) -> None:
        if state.connected:
            self.online = None  # a restarted broker may have forgotten the room: until it says
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
