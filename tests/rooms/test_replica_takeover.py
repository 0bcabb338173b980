"""The takeover rules fed by a real broker (issue 24): the primary's beat, its last will, the
retained `driver` value, and the copy, as a standby hears them; OBS's announcements are fed
by hand (the OBS side is another piece). Then the copy is resumed at epoch 2, and the old
primary, back from a freeze, hears epoch 2 and stands down.

No real waiting for the takeover delay: each verdict is asked at an instant computed from
the arrival times, as the rules take `now` as an argument.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.asrun.rig import Rig
from tests.asrun.test_revisions import SEED, save
from tests.factories import at
from timekeeper.asrun.resume import start_run
from timekeeper.core.clock import ManualClock
from timekeeper.core.standby import TAKEOVER_DELAY, Kind, Peer, StandbyMachine, driving_record
from timekeeper.rooms.link import Backoff, BrokerLink
from timekeeper.rooms.replica import DriverReplica
from timekeeper.rooms.replica_standby import StandbyReplica
from timekeeper.rooms.replica_wire import hear, read_driver
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics

from .broker import Broker, Listener

TOPICS = RoomTopics.named("venue", "Room B")
FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)
PRIMARY = Peer(1, "run-a", "laptop-a", 4242)
WITHIN = 20.0


class Heard:
    """What the standby hears of the driver, fed to its rules at the arrival time."""

    def __init__(self, machine: StandbyMachine) -> None:
        self.machine = machine
        self.standby: StandbyReplica | None = None
        self.leaves: list[str] = []
        self.changed = asyncio.Event()

    def __call__(self, leaf: str, payload: bytes) -> None:
        assert self.standby is not None
        hear(self.machine, leaf, payload, time.monotonic(), self.standby.log)
        self.leaves.append(leaf if payload != b"false" else "offline")
        self.changed.set()

    async def until(self, leaf: str) -> None:
        while leaf not in self.leaves:
            self.changed.clear()
            await self.changed.wait()


async def test_a_dead_primary_is_taken_over_at_epoch_2_and_fenced_when_it_returns(
    broker: Broker, tmp_path: Path
) -> None:
    settings = BrokerSettings("127.0.0.1", broker.port)
    folder = tmp_path / "laptop-a" / "event"
    folder.mkdir(parents=True)
    programme, _ = save(folder, SEED)
    rig = Rig(programme, at("15:25"))
    rig.run.log.append(driving_record(PRIMARY))
    driver = DriverReplica(settings, TOPICS, rig.path, PRIMARY, backoff=FAST)
    driver.attach(rig.run.log)

    async def online() -> None:
        await room.publish(TOPICS.online, b"true", retain=True, qos=1)

    room = BrokerLink(  # the primary's room service: online, its last will, beats
        settings, identifier="primary-room", will=(TOPICS.online, b"false"), on_connected=online
    )
    machine = StandbyMachine("run-b")
    heard = Heard(machine)
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    standby = StandbyReplica(settings, TOPICS, copy, run_id="run-b", on_word=heard, backoff=FAST)
    heard.standby = standby
    room.start()
    driver.start()
    standby.start()
    try:
        t0 = time.monotonic()
        machine.broker_link(True, t0)
        machine.obs_link(True, t0)
        rig.to("15:36")
        assert driver.head is not None
        await asyncio.wait_for(standby.wait_for(driver.head), WITHIN)
        await asyncio.wait_for(heard.until("driver"), WITHIN)
        await room.publish(TOPICS.beat, b"2023-11-20T15:36:00+01:00")
        await asyncio.wait_for(heard.until("beat"), WITHIN)
        machine.copy(standby.last, time.monotonic())
        assert machine.known == PRIMARY
        announced = time.monotonic()
        machine.announcement(PRIMARY, "driver", announced)  # OBS: the primary is there
        assert machine.decide(announced).kind is Kind.FOLLOW

        room._drop_connection()  # the primary is killed: no goodbye, the broker's last will
        await asyncio.wait_for(heard.until("offline"), WITHIN)
        offline = time.monotonic()
        machine.announcement(PRIMARY, "driver", offline)  # still announcing on OBS
        verdict = machine.decide(offline + TAKEOVER_DELAY / 2)
        assert verdict.kind is Kind.FOLLOW and "OBS only" in verdict.reason  # a partition
        # then OBS hears nothing more from it either
        assert machine.decide(offline + TAKEOVER_DELAY - 0.01).kind is Kind.FOLLOW
        verdict = machine.decide(offline + TAKEOVER_DELAY)
        assert verdict.kind is Kind.TAKE_OVER and verdict.epoch == 2
    finally:
        await standby.stop()
        await driver.stop()
        await room.close()
    rig.crash()

    # the takeover: the copy resumed, driven at epoch 2 and said on the broker
    theirs_folder = tmp_path / "laptop-b" / "event"
    theirs_folder.mkdir(parents=True)
    theirs, _ = save(theirs_folder, SEED)
    clock = ManualClock(at("15:37"))
    real = ManualClock(at("15:37"), simulated=False)
    run = start_run(
        theirs, clock=clock, real_clock=real, mode="live", rehearsal=False, log_path=copy
    )
    assert run.resumed is not None and run.resumed.ok
    new = Peer(2, "run-b", "laptop-b", 5151)
    run.log.append(driving_record(new))
    successor = DriverReplica(settings, TOPICS, copy, new, backoff=FAST)
    successor.attach(run.log)
    successor.start()

    # the old primary, back from a freeze, still thinks it drives: it hears epoch 2
    old = StandbyMachine("run-a")
    old.drive(1, 0.0, "laptop-a", 4242)
    woke = asyncio.Event()

    def hears(topic: str, payload: bytes) -> None:
        hear(old, topic.rsplit("/", 1)[-1], payload, time.monotonic(), None)
        woke.set()

    back = BrokerLink(settings, identifier="old-primary", subscriptions=[TOPICS.driver])
    back.on_message = hears
    back.start()

    async def epoch_2_heard() -> None:  # (the retained value may still be epoch 1's at first)
        while old.known != new:
            woke.clear()
            await woke.wait()

    try:
        await asyncio.wait_for(epoch_2_heard(), WITHIN)
        verdict = old.decide(time.monotonic())
        assert verdict.kind is Kind.STAND_DOWN
        assert verdict.winner == new

        # its replica reconnects before it stood down and says epoch 1 again: the retained
        # value goes back to epoch 2 (the successor answers), and the old one is superseded
        stale = DriverReplica(settings, TOPICS, rig.path, PRIMARY, backoff=FAST)
        stale.start()
        try:

            async def superseded() -> None:
                while stale.superseded is None:
                    await asyncio.sleep(0.05)  # (a flag the broker's answer sets)

            await asyncio.wait_for(superseded(), WITHIN)
            assert stale.superseded == new
            async with Listener(broker.port, TOPICS.driver) as newcomer:
                _, value, retained = await newcomer.wait_for("/driver", timeout=WITHIN)
            assert retained and read_driver(value) == new
        finally:
            await stale.stop()
    finally:
        await back.close()
        await successor.stop()
        run.log.close()
