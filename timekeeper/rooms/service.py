"""RoomService: a room's run publishing itself to the venue's broker (a runtime service).

Under `timekeeper/<venue>/<room>/`: `status` (retained) is the speaker protocol's
snapshot, published on every change of the show, with `sent_at` (this machine's
real time) so a late reader can tell how old it is; `events` the show bus's events
as JSON; `online` retained `true`, with a last will of `false`; `health` (retained)
what OBS is doing; `schedule` (retained) the room's schedule.json with expected
and actual times when they change (issue 25, interop/live_schedule.py).
`commands` is read, and only what the room allows is carried out
(rooms/commands.py). The show never waits for the broker: while it is away the
panel says so, the link reconnects with backoff, and on every connection the
retained state is published again (a restarted broker has forgotten it).
Stopping is bounded whatever the broker does: the loops check that the room is
stopping, are cancelled until they end (timekeeper.tasks), and the goodbye
(`online=false`) gets the link's own bound.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.core.engine import ShowEvent
from timekeeper.interop.live_schedule import schedule_json  # issue 25
from timekeeper.rooms.commands import Refused, carry_out, parse_command
from timekeeper.rooms.link import Backoff, BrokerLink, LinkState, Sleep
from timekeeper.rooms.notices import (
    BrokerConnected,
    BrokerLost,
    BrokerPublishing,
    RoomCommandDone,
    RoomCommandRefused,
)
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.speaker.snapshot import build_snapshot
from timekeeper.tasks import stop_task

if TYPE_CHECKING:
    from timekeeper.show.handle import RunHandle

HEALTH_EVERY = 1.0  # real seconds between looks at OBS's health (published only on change)
BEAT_EVERY = 0.5  # real seconds between heartbeats: a screen says within 1.5 s when they stop
MAX_PENDING_EVENTS = 500  # events kept while the broker is away, oldest dropped first
LOOP_STOP_WITHIN = 0.2  # seconds each of the room's loops has to end once cancelled


def _dumps(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class RoomService:
    name = "rooms"

    def __init__(
        self,
        options: RoomOptions,
        *,
        environ: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
        real_clock: Clock | None = None,
        backoff: Backoff | None = None,
        health_every: float = HEALTH_EVERY,
    ) -> None:
        assert options.mqtt is not None and options.room is not None
        self.options = options
        self.settings = BrokerSettings.from_url(
            options.mqtt,
            username_env=options.username_env,
            password_env=options.password_env,
            ca_file=options.ca_file,
            environ=environ,
        )
        self.venue_name = options.venue or "venue"
        self.topics = RoomTopics.named(self.venue_name, options.room)
        self.sleep = sleep
        self.real_clock = real_clock or SystemClock()
        self.health_every = health_every
        self.published = 0  # status messages sent (for the benchmark)
        self._backoff = backoff
        self._runtime: RunHandle | None = None
        self._link: BrokerLink | None = None
        self._seq = 0
        self._message_at: datetime | None = None
        self._pending: deque[bytes] = deque(maxlen=MAX_PENDING_EVENTS)
        self._dirty = asyncio.Event()
        self._health: bytes | None = None
        self._schedule: bytes | None = None  # issue 25: the last live schedule published
        self._tasks: list[asyncio.Task[None]] = []
        self._was_connected: bool | None = None
        self._stopping = False

    @property
    def state(self) -> LinkState:
        return self._link.state if self._link is not None else LinkState(self.settings.url)

    async def start(self, runtime: RunHandle) -> None:
        self._runtime = runtime
        self._link = BrokerLink(
            self.settings,
            identifier=f"tk-{self.topics.venue}-{self.topics.room}-{secrets.token_hex(3)}"[:64],
            will=(self.topics.online, b"false"),
            subscriptions=[self.topics.commands],
            on_message=self._on_message,
            on_connected=self._republish,
            on_state=self._on_state,
            sleep=self.sleep,
            backoff=self._backoff,
        )
        runtime.session.subscribe(self._on_events)
        self._dirty = asyncio.Event()
        self._link.start()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._publisher()),
            loop.create_task(self._watch_health()),
            loop.create_task(self._beat()),
        ]
        topics = self.topics.base + "/"
        runtime.tell(
            BrokerPublishing(
                url=self.settings.url, topics=topics, message=f"this room publishes {topics}…"
            )
        )

    async def stop(self, goodbye: bool = True) -> None:
        """Stop publishing, say `online=false`, disconnect: about a second at most.

        `goodbye` False: a driver fenced by a newer one leaves without a word (the newer
        one's retained `online` true must stand), and may start again later."""
        self._stopping = True
        self._dirty.set()  # the publisher wakes, sees it is stopping, and ends
        for task in self._tasks:
            await stop_task(task, LOOP_STOP_WITHIN, "the room's publisher")
        self._tasks = []
        if self._runtime is not None:
            self._runtime.session.unsubscribe(self._on_events)
        if self._link is not None:
            await self._link.close(last=[(self.topics.online, b"false")] if goodbye else [])
            self._link = None
        self._stopping = False  # (a standby that takes over starts it again)

    # ------------------------------------------------------------ what is published

    def status_payload(self) -> bytes:
        assert self._runtime is not None
        session = self._runtime.session
        msg = session.message
        snapshot = build_snapshot(
            session.status(),
            session.programme,
            seq=self._seq,
            speed=session.clock.speed,
            rehearsal=session.rehearsal,
            message=(msg.text, msg.flash, self._message_at) if msg is not None else None,
        )
        snapshot["room"] = {"name": self.options.room, "venue": self.venue_name}
        snapshot["sent_at"] = self.real_clock.now().isoformat()
        return _dumps(snapshot)

    def health_payload(self) -> bytes:
        assert self._runtime is not None
        status = self._runtime.read_obs_status()
        if status is None:
            return _dumps({"obs": "not_configured"})
        return _dumps(
            {
                "obs": status.state.value,
                "mode": status.mode.value,
                "scene": status.program_scene,
                "streaming": status.streaming,
                "recording": status.recording,
                "alarm": status.alarm,
            }
        )

    def _on_events(self, events: list[ShowEvent]) -> None:
        """Session listener: inside the operator's action, so it only queues and marks dirty."""
        assert self._runtime is not None
        tz = self._runtime.programme.tz
        for event in events:
            if event.kind == "message":
                self._message_at = event.at
            self._pending.append(
                _dumps({**event.to_json(), "at": event.at.astimezone(tz).isoformat()})
            )
        self._seq += 1
        self._dirty.set()

    async def _publisher(self) -> None:
        while not self._stopping:
            await self._dirty.wait()
            self._dirty.clear()
            if self._stopping:
                return
            await self._publish_status()
            await self._publish_schedule()  # issue 25: after the status of the same change
            await self._flush_events()

    async def _publish_status(self) -> None:
        assert self._link is not None
        if await self._link.publish(self.topics.status, self.status_payload(), retain=True, qos=1):
            self.published += 1

    async def _publish_schedule(self, force: bool = False) -> None:
        """Issue 25: the live schedule.json, retained, when its times changed (or `force`)."""
        assert self._link is not None and self._runtime is not None
        session = self._runtime.session
        payload = schedule_json(session.programme, session.status(), rehearsal=session.rehearsal)
        if payload == self._schedule and not force:
            return
        if await self._link.publish(self.topics.schedule, payload, retain=True, qos=1):
            self._schedule = payload

    async def _flush_events(self) -> None:
        assert self._link is not None
        while self._pending and self._link.state.connected:
            if not await self._link.publish(self.topics.events, self._pending[0]):
                return
            self._pending.popleft()

    async def _republish(self) -> None:
        """On every connection: the retained state again (a restarted broker forgot it)."""
        assert self._link is not None
        await self._link.publish(self.topics.online, b"true", retain=True, qos=1)
        await self._publish_status()
        await self._publish_schedule(force=True)  # issue 25
        self._health = self.health_payload()
        await self._link.publish(self.topics.health, self._health, retain=True, qos=1)
        self._dirty.set()  # and the events kept while away

    async def _watch_health(self) -> None:
        assert self._link is not None
        while not self._stopping:
            await self.sleep(self.health_every)
            if self._link.state.connected:  # issue 25: expected times move with the clock
                await self._publish_schedule()  # (an overrun, a hold): published when changed
            payload = self.health_payload()
            if self._stopping or payload == self._health or not self._link.state.connected:
                continue
            if await self._link.publish(self.topics.health, payload, retain=True, qos=1):
                self._health = payload

    async def _beat(self) -> None:
        """A small, unretained message every half second, so that a speaker screen following
        this room can tell a frozen room (a stopped laptop keeps its broker connection, and
        its last will fires only after the keep-alive) from a room with nothing new to say."""
        assert self._link is not None
        while not self._stopping:
            await self.sleep(BEAT_EVERY)
            if not self._stopping and self._link.state.connected:
                await self._link.publish(
                    self.topics.beat, self.real_clock.now().isoformat().encode()
                )

    def _on_state(self, state: LinkState) -> None:
        if self._runtime is None or self._stopping or state.connected == self._was_connected:
            return
        first = self._was_connected is None
        self._was_connected = state.connected
        if state.connected:
            self._runtime.tell(BrokerConnected(url=state.url, back=state.connections != 1))
        elif not first or state.attempts == 1:
            self._runtime.tell(BrokerLost(url=state.url, error=state.error))

    # ------------------------------------------------------------ commands

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic != self.topics.commands or self._runtime is None or self._stopping:
            return
        runtime = self._runtime
        try:
            command = parse_command(payload, self.options.commands)
            result = carry_out(command, runtime.session)
        except Refused as exc:
            runtime.tell(RoomCommandRefused(reason=str(exc)))
            self._queue_event({"event": "command_refused", "reason": str(exc)})
            return
        runtime.tell(RoomCommandDone(command=command.name, sender=command.sender, result=result))
        self._queue_event({"event": "command_done", "command": command.name, "result": result})

    def _queue_event(self, data: dict[str, object]) -> None:
        assert self._runtime is not None
        now = self._runtime.session.clock.now().astimezone(self._runtime.programme.tz)
        self._pending.append(_dumps({"at": now.isoformat(), **data}))
        self._dirty.set()


def describe_link(state: LinkState) -> tuple[str, bool]:
    """The panel's broker line and whether it is healthy: `Broker ✓ mqtt://…` / `✗ …`."""
    if state.connected:
        return f"Broker ✓ {state.url}", True
    if state.connections == 0 and state.attempts == 0:
        return f"Broker … connecting {state.url}", False
    why = f": {state.error}" if state.error else ""
    return f"Broker ✗ reconnecting (try {state.attempts}){why}", False
