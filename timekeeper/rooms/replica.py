"""The driver's side of the standby's replication (issue 24): its as-run log, on the broker.

Why the records themselves: a standby that holds the driver's log, line for line, can
take over by the crash recovery that already exists (resume + done keys: no output action
done twice). So `DriverReplica` publishes each line of the log as it reaches the disk
(`AsRunLog.on_written`) on `asrun` (QoS 1), the programme versions those lines name on
`programmes/<sha>` just before them, and the retained `driver` value on every connection.
It answers a standby's `replay` request from the log file, and sends the rest to a
standby whose presence shows its copy stuck behind (`LagWatch`): records published while
the broker was away, or lost with it, are never lost to the copy. The show never waits:
while the broker is away lines wait in memory and go out in order when it is back.

One task publishes everything (`_publisher`); the link's callbacks (records written,
requests, presences) only queue and wake it (`_wake.set()`: it resumes in `_publisher`).
Standby side: replica_standby.py; the payloads and rules: replica_wire.py.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from timekeeper.asrun import versions
from timekeeper.asrun.log import AsRunLog
from timekeeper.core.clock import Clock, SystemClock
from timekeeper.core.standby import Peer
from timekeeper.rooms.link import Backoff, BrokerLink, Sleep
from timekeeper.rooms.replica_wire import (
    LagWatch,
    Presence,
    ReplayRequest,
    driver_payload,
    lines_from,
    log_id,
    read_driver,
    record_of,
    versions_named,
)
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.tasks import stop_task

log = logging.getLogger(__name__)

STOP_WITHIN = 0.3
WINDOW = 64  # live records taken from the queue at once


class DriverReplica:
    """Publishes one driving run's as-run log for its standby."""

    def __init__(
        self,
        settings: BrokerSettings,
        topics: RoomTopics,
        log_path: Path,
        identity: Peer,
        *,
        real_clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self.topics = topics
        self.path = log_path
        self.identity = identity
        self.real_clock = real_clock or SystemClock()
        self.monotonic = monotonic
        self.sleep = sleep
        self.head: int | None = None  # the last seq written to the log
        self.published = 0  # records published (live and replayed)
        self.standby: Presence | None = None  # the standby's last presence
        self.superseded: Peer | None = None  # a driver of a higher epoch, heard on `driver`
        self._say_driver = False  # publish our `driver` value (the publisher does)
        self._queue: deque[bytes] = deque()
        self._replays: deque[ReplayRequest] = deque()
        self._sent_versions: set[str] = set()  # this connection
        self._lag = LagWatch()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.link = BrokerLink(
            settings,
            identifier=f"tk-drive-{topics.room}-{secrets.token_hex(3)}"[:64],
            subscriptions=[topics.replay, topics.standby, topics.driver],
            on_message=self._on_message,
            on_connected=self._connected,
            sleep=sleep,
            backoff=backoff,
        )
        self.head = _last_seq(log_path)

    def attach(self, asrun: AsRunLog) -> None:
        """Publish every line `asrun` writes from now on (its earlier lines: on request)."""
        asrun.on_written(self._written)

    def start(self) -> None:
        self.link.start()
        self._task = asyncio.get_running_loop().create_task(self._publisher(), name="replica")

    async def drain(self, within: float, every: float = 0.01) -> bool:
        """Wait, at most `within` real seconds, until every line written so far is on the
        broker (True), unless the broker is away (False at once: those lines stay unsent;
        the standby's copy lacks them, and the standby asks the log for them if it drives)."""
        deadline = self.monotonic() + within
        while self._queue or self._replays:
            if not self.link.state.connected or self.monotonic() >= deadline:
                return False
            self._wake.set()
            await self.sleep(every)
        return True

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await stop_task(self._task, STOP_WITHIN, "the replica's publisher")
        await self.link.close()

    # ------------------------------------------------------------ in (callbacks: queue, wake)

    def _written(self, lines: Sequence[bytes]) -> None:
        for line in lines:
            rec = record_of(line)
            if rec is not None:
                self.head = rec["seq"]
            self._queue.append(line)
        self._wake.set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic == self.topics.replay:
            request = ReplayRequest.read(payload)
            if request is not None:
                self._ask(request)
        elif topic == self.topics.driver:
            self._driver_heard(payload)
        elif topic == self.topics.standby:
            self.standby = Presence.read(payload)
            if self.standby is not None:
                start = self._lag.presence(self.standby.seq, self.head, self.monotonic())
                if start is not None:
                    self._ask(ReplayRequest(start, self.standby.run_id))

    def _ask(self, request: ReplayRequest) -> None:
        """Queue a replay, unless one waiting already covers it (a standby asks on several
        occasions at once: its connection, the driver's, a gap)."""
        if not request.programmes and any(_covers(w, request) for w in self._replays):
            return  # (lines past a replay's reading of the file are sent live after it)
        self._replays.append(request)
        self._wake.set()

    def _driver_heard(self, payload: bytes) -> None:
        """The retained `driver` value converges on the highest epoch: a lower one (an old
        driver that reconnected before it stood down) is answered with ours; a higher one
        means we are superseded, and say nothing more there (the run stands down)."""
        peer = read_driver(payload, log_id(_header(self.path)))
        if peer is None or peer == self.identity:
            return
        if peer.beats(self.identity):
            self.superseded = peer
        else:
            self._say_driver = True
            self._wake.set()

    async def _connected(self) -> None:
        """On every connection: who drives (retained), and whatever waited for the broker."""
        self._sent_versions.clear()
        self._say_driver = True
        self._wake.set()

    async def _publish_driver(self) -> bool:
        if self.superseded is not None:
            return True
        payload = driver_payload(self.identity, self.real_clock.now(), log_id(_header(self.path)))
        return await self.link.publish(self.topics.driver, payload, retain=True, qos=1)

    # ------------------------------------------------------------ out (one task)

    async def _publisher(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            while not self._stopping and self.link.state.connected:
                if self._say_driver:
                    if not await self._publish_driver():
                        break
                    self._say_driver = False
                elif self._replays:
                    if not await self._answer(self._replays[0]):
                        break
                    self._replays.popleft()
                elif self._queue:
                    lines = [self._queue[i] for i in range(min(WINDOW, len(self._queue)))]
                    if not await self._send(lines):
                        break
                    for _ in lines:
                        self._queue.popleft()
                else:
                    break

    async def _send(self, lines: Sequence[bytes], again: bool = False) -> bool:
        """Records, each after the programme versions it names (if this machine keeps them:
        once per connection, and `again` in a replay, for a standby that may be new)."""
        messages: list[tuple[str, bytes]] = []
        for line in lines:
            rec = record_of(line)
            for sha in versions_named(rec) if rec is not None else []:
                data = self._kept(sha) if again or sha not in self._sent_versions else None
                if data is not None:
                    messages.append((self.topics.programme(sha), data))
                    self._sent_versions.add(sha)
            messages.append((self.topics.asrun, line))
        for topic, payload in messages:  # one at a time: measured faster than in parallel
            if not await self.link.publish(topic, payload, qos=1):
                self._sent_versions.clear()  # not known to have arrived: send them again
                return False
            self.published += topic == self.topics.asrun
        return True

    def _kept(self, sha: str) -> bytes | None:
        """A programme version kept beside the log (None: not kept here, the file changed
        before it could be kept; nothing to send)."""
        try:
            return versions.path_of(self.path, sha).read_bytes()
        except OSError:
            return None

    async def _answer(self, request: ReplayRequest) -> bool:
        """A replay: the versions asked for, then the records from the seq asked for (from
        0 when the standby's copy is of another log)."""
        for sha in request.programmes:
            data = self._kept(sha)
            if data is not None and not await self.link.publish(
                self.topics.programme(sha), data, qos=1
            ):
                return False
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s to answer a standby's replay: %s", self.path, exc)
            return True
        start = request.from_seq
        if request.log is not None and request.log != log_id(_first_line(data)):
            start = 0
        return await self._send([line for _, line in lines_from(data, start)], again=True)


def _covers(waiting: ReplayRequest, request: ReplayRequest) -> bool:
    return (waiting.run_id, waiting.log) == (request.run_id, request.log) and (
        waiting.from_seq <= request.from_seq
    )


def _header(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            line = fh.readline()
    except OSError:
        return None
    return line if line.endswith(b"\n") else None


def _first_line(data: bytes) -> bytes | None:
    end = data.find(b"\n")
    return data[: end + 1] if end >= 0 else None


def _last_seq(path: Path) -> int | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    last = None
    for seq, _ in lines_from(data, 0):
        last = seq
    return last
