"""The standby's side of the replication (issue 24): a faithful copy of the driver's log.

`StandbyReplica` follows a room through the broker: each record the driver publishes on
`asrun` is written to the copy in seq order (`Reassembly`: duplicates dropped, early
records kept, a gap asked for again on `replay`); the programme versions the records name
are kept beside it (`programmes/<sha>`, asked for while missing). On every connection it
asks for everything after its last record (so a standby started late, or a broker
restarted, loses nothing) and it says it is there on `standby` (retained, every 0.5 s,
with its last seq; a last will empties it). What it hears of the driver (`driver`,
`handover`, `online`, `beat`) is handed to `on_word` for the takeover rules
(core/standby.py); it never drives anything itself.

The link's callback queues records for `_writer` (group commit: one write and fsync, in a
worker thread, for all that arrived during the one before) and requests for `_sender`;
the presence loop also asks again for what is still missing (`_tick`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.rooms.link import Backoff, BrokerLink, Sleep
from timekeeper.rooms.replica_copy import CopyFile
from timekeeper.rooms.replica_wire import (
    AGAIN_AFTER,
    Presence,
    Reassembly,
    ReplayRequest,
    log_id,
    record_of,
)
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.tasks import stop_task

log = logging.getLogger(__name__)

PRESENCE_EVERY = 0.5  # seconds (the contract's)
STOP_WITHIN = 0.3


class StandbyReplica:
    """Keeps the copy of one room's driver log at `copy_path`."""

    def __init__(
        self,
        settings: BrokerSettings,
        topics: RoomTopics,
        copy_path: Path,
        *,
        run_id: str | None = None,
        armed: bool = False,
        reaches_obs: Callable[[], bool] = lambda: False,
        on_word: Callable[[str, bytes], None] | None = None,
        real_clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self.topics = topics
        self.run_id = run_id or secrets.token_hex(6)
        self.armed = armed
        self.reaches_obs = reaches_obs
        self.on_word = on_word
        self.real_clock = real_clock or SystemClock()
        self.monotonic = monotonic
        self.sleep = sleep
        self.copy = CopyFile(copy_path)
        self.stream = Reassembly(self.copy.next_seq, self.copy.header)
        self.set_aside: list[Path] = []  # earlier copies of another log
        self._asked_versions = -AGAIN_AFTER * 2
        self._changed = asyncio.Event()  # set on every record written (tests wait on it)
        self._outbox: deque[bytes] = deque(maxlen=8)  # replay requests to publish
        self._unwritten: list[bytes] = []  # records in order, for the copy (by _writer)
        self._write_wake = asyncio.Event()
        self._send = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.link = BrokerLink(
            settings,
            identifier=f"tk-standby-{topics.room}-{secrets.token_hex(3)}"[:64],
            will=(topics.standby, b""),
            subscriptions=[
                topics.asrun,
                topics.programmes,
                topics.driver,
                topics.handover,
                topics.online,
                topics.beat,
            ],
            on_message=self._on_message,
            on_connected=self._connected,
            sleep=sleep,
            backoff=backoff,
        )

    @property
    def head(self) -> int | None:
        """The highest seq heard of, held or not (the copy's lag: head - last)."""
        return self.stream.head

    @property
    def log(self) -> str | None:
        """Which log the copy is of (`read_driver(..., log=)` ignores other shows' drivers)."""
        return log_id(self.copy.header)

    @property
    def last(self) -> int | None:
        """The last seq the copy holds on disk (None: nothing yet)."""
        return self.copy.next_seq - 1 if self.copy.next_seq > 0 else None

    def start(self) -> None:
        self.link.start()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._presence(), name="standby-presence"),
            loop.create_task(self._sender(), name="standby-requests"),
            loop.create_task(self._writer(), name="standby-copy"),
        ]

    async def stop(self) -> None:
        """Stop copying, clear the presence, release the copy (a takeover resumes it next)."""
        self._stopping = True
        self._send.set()
        for task in self._tasks:
            await stop_task(task, STOP_WITHIN, "the standby's publisher")
        lines, self._unwritten = tuple(self._unwritten), []
        if lines:  # what came in last is kept too
            self.copy.write(lines)
            self.copy.noted(lines)
        await self.link.close(last=[(self.topics.standby, b"")])
        self.copy.close()

    async def wait_for(self, seq: int) -> None:
        """Until the copy holds record `seq` (for tests and a handover)."""
        await self.wait_until(lambda: self.last is not None and self.last >= seq)

    async def wait_until(self, done: Callable[[], bool]) -> None:
        """Until `done()` holds, looked at after each batch written to the copy."""
        while not done():
            self._changed.clear()
            await self._changed.wait()

    # ------------------------------------------------------------ in

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic == self.topics.asrun:
            self._record(payload)
        elif topic.startswith(self.topics.programmes[:-1]):
            sha = topic.rsplit("/", 1)[-1]
            if not self.copy.keep_version(sha, payload):  # (it comes before its record)
                log.warning("a programme version on %s is not what its name says", topic)
        else:
            if topic == self.topics.driver:  # a driver (re)connected: it may have missed a
                self._ask(self.stream.next_seq)  # request sent before it subscribed
            if self.on_word is not None:
                self.on_word(topic.rsplit("/", 1)[-1], payload)

    def _record(self, line: bytes) -> None:
        rec = record_of(line)
        if rec is None:
            return
        fed = self.stream.feed(line, rec["seq"], self.monotonic())
        if fed.other_log:
            self._unwritten.clear()  # of the copy set aside
            self.set_aside.append(self.copy.set_aside())
            log.warning("the driver logs another run: the copy was set aside")
            self.stream.restart()
            fed = self.stream.feed(line, rec["seq"], self.monotonic())
        if fed.ready:
            self._unwritten.extend(fed.ready)
            self._write_wake.set()  # resumes in _writer
        if fed.ask_from is not None:
            self._ask(fed.ask_from)

    async def _writer(self) -> None:
        """Group commit: while one write and fsync runs in a worker thread, the records that
        arrive meanwhile wait, and go to the disk together with the next one."""
        while not self._stopping:
            await self._write_wake.wait()
            self._write_wake.clear()
            await self._write_all()

    async def _write_all(self) -> None:
        while self._unwritten:
            lines, self._unwritten = tuple(self._unwritten), []
            generation = self.copy.generation
            await asyncio.to_thread(self.copy.write, lines)
            if self.copy.generation == generation:  # (else: written to the copy set aside)
                self.copy.noted(lines)
            self._changed.set()

    async def _connected(self) -> None:
        """Every connection: ask for all after the last record held; say we are here."""
        self.stream.gap(self.monotonic(), force=True)  # counts as asked
        self._ask(self.stream.next_seq, force_versions=True)
        await self._publish_presence()

    # ------------------------------------------------------------ out

    def _ask(self, start: int, force_versions: bool = False) -> None:
        """A replay request (from a callback: published by its own small task)."""
        now = self.monotonic()
        wanted: tuple[str, ...] = ()
        if self.copy.missing and (force_versions or now - self._asked_versions >= AGAIN_AFTER):
            wanted, self._asked_versions = tuple(sorted(self.copy.missing)), now
        request = ReplayRequest(start, self.run_id, log_id(self.copy.header), wanted)
        self._outbox.append(request.to_bytes())
        self._send.set()  # resumes in _sender

    async def _sender(self) -> None:
        while not self._stopping:
            await self._send.wait()
            self._send.clear()
            while self._outbox and not self._stopping:
                await self.link.publish(self.topics.replay, self._outbox.popleft(), qos=1)

    async def _presence(self) -> None:
        while not self._stopping:
            await self.sleep(PRESENCE_EVERY)
            if not self._stopping and self.link.state.connected:
                self._tick()
                await self._publish_presence()

    def _tick(self) -> None:
        """Ask again for a gap or a version still missing (their answers were lost)."""
        now = self.monotonic()
        early = self.stream.head is not None and self.stream.head != self.stream.last
        if early or (self.copy.missing and now - self._asked_versions >= AGAIN_AFTER * 2):
            start = self.stream.gap(now)
            if start is not None or self.copy.missing:
                self._ask(start if start is not None else self.stream.next_seq)

    async def _publish_presence(self) -> None:
        presence = Presence(
            self.run_id,
            socket.gethostname(),
            os.getpid(),
            self.armed,
            self.last,
            self.real_clock.now().isoformat(),
            self.reaches_obs(),
        )
        await self.link.publish(self.topics.standby, presence.to_bytes(), retain=True, qos=1)
