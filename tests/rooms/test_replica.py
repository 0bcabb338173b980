"""A standby's copy of the driver's as-run log, over a real mosquitto (issue 24).

The driver is a show driven by hand (tests/asrun/rig.py: the session, its log, revisions,
OBS records) with a `DriverReplica` on its log; the standby a `StandbyReplica` writing a
copy in another folder, as on a second laptop. The copy must be the same file byte for
byte, with the same programme versions beside it, however late the standby starts and
whatever the broker does; and the existing recovery must resume the copy to the state
the original resumes to.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from tests.asrun.rig import REAL_START, Rig
from tests.asrun.test_revisions import LONGER_KEYNOTE, SEED, SWAPPED, accept, save
from tests.factories import at
from timekeeper.asrun import versions
from timekeeper.asrun.log import read_log
from timekeeper.asrun.recover import resume
from timekeeper.asrun.resume import start_run
from timekeeper.core.clock import Clock, ManualClock
from timekeeper.core.engine import ActionKind
from timekeeper.core.standby import Peer, driving_record, last_epoch
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.replica import DriverReplica
from timekeeper.rooms.replica_copy import CopyFile
from timekeeper.rooms.replica_standby import StandbyReplica
from timekeeper.rooms.replica_wire import LagWatch, read_driver
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics

from .broker import Broker

TOPICS = RoomTopics.named("venue", "Room B")
PRIMARY = Peer(1, "run-a", "laptop-a", 4242)
FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)
WITHIN = 20.0  # seconds: generous, two cores shared with other engineers' tests


def settings(broker: Broker) -> BrokerSettings:
    return BrokerSettings("127.0.0.1", broker.port)


def on_laptop(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def primary(folder: Path) -> Rig:
    """The seed event's driver, before the doors open."""
    programme, _ = save(on_laptop(folder), SEED)
    return Rig(programme, at("15:25"))


def show_until_panel(rig: Rig) -> None:
    """The keynote with an accepted revision, OBS's records, the panel with a second one."""
    rig.run.log.append(driving_record(PRIMARY))  # the first driver: epoch 1
    rig.to("15:30")
    rig.obs("obs_connected")
    rig.to("15:35:01")
    rig.obs("scene_switch_confirmed", scene="Keynote", slot="keynote", confirm_delay=80)
    rig.obs("action_done", key="keynote:on_start:start_streaming")
    folder = Path(rig.programme.source or "").parent
    longer, data = save(folder, LONGER_KEYNOTE)
    rig.to("15:41")
    accept(rig, longer, data)


def show_panel(rig: Rig) -> None:
    folder = Path(rig.programme.source or "").parent
    rig.to("16:16")
    rig.obs("scene_switch_confirmed", scene="Panel", slot="panel", confirm_delay=70)
    rig.act(ActionKind.NEXT_TURN)
    swapped, data = save(folder, SWAPPED)
    rig.to("16:17")
    accept(rig, swapped, data)
    rig.to("16:23")
    rig.act(ActionKind.NEXT_TURN)
    rig.obs("action_done", key="panel:on_start:start_recording")
    rig.to("16:30")


class NeverResend(LagWatch):
    """A driver that never sends a lagging standby the rest by itself: what the standby
    gets, it asked for."""

    def presence(self, seq: int | None, head: int | None, now: float) -> int | None:
        return None


@asynccontextmanager
async def driving(broker: Broker, rig: Rig, *, resend: bool = True) -> AsyncIterator[DriverReplica]:
    driver = DriverReplica(settings(broker), TOPICS, rig.path, PRIMARY, backoff=FAST)
    if not resend:
        driver._lag = NeverResend()
    driver.attach(rig.run.log)
    driver.start()
    try:
        yield driver
    finally:
        await driver.stop()


@asynccontextmanager
async def standing_by(
    broker: Broker, copy: Path, heard: list[tuple[str, bytes]] | None = None
) -> AsyncIterator[StandbyReplica]:
    """A standby copying to `copy`; what it hears of the driver is added to `heard`."""
    on_word = (lambda leaf, payload: heard.append((leaf, payload))) if heard is not None else None
    standby = StandbyReplica(
        settings(broker), TOPICS, copy, run_id="run-b", backoff=FAST, on_word=on_word
    )
    standby.start()
    try:
        yield standby
    finally:
        await standby.stop()


async def caught_up(standby: StandbyReplica, driver: DriverReplica) -> None:
    assert driver.head is not None
    await asyncio.wait_for(standby.wait_for(driver.head), WITHIN)


def kept(log: Path) -> dict[str, bytes]:
    folder = versions.folder(log)
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def assert_faithful(original: Path, copy: Path) -> None:
    assert copy.read_bytes() == original.read_bytes()
    assert kept(copy) == kept(original)
    assert len(kept(copy)) == 3  # the first version and two accepted revisions


async def test_a_copy_made_live_is_the_original_byte_for_byte(
    broker: Broker, tmp_path: Path
) -> None:
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    heard: list[tuple[str, bytes]] = []
    async with driving(broker, rig) as driver, standing_by(broker, copy, heard) as standby:
        await caught_up(standby, driver)  # the header and the start, asked for on connecting
        for part in (show_until_panel, show_panel):
            part(rig)
            await asyncio.sleep(0)  # the publisher runs between the operator's actions
        await caught_up(standby, driver)
        assert_faithful(rig.path, copy)
        assert driver.head is not None and driver.published >= driver.head
        drivers = [read_driver(payload, standby.log) for leaf, payload in heard if leaf == "driver"]
        assert drivers == [PRIMARY]  # who drives this show's log, retained


async def test_a_standby_started_late_catches_up(broker: Broker, tmp_path: Path) -> None:
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with driving(broker, rig, resend=False) as driver:
        show_until_panel(rig)  # nobody is copying yet
        await asyncio.sleep(0.2)
        async with standing_by(broker, copy) as standby:
            await caught_up(standby, driver)
            show_panel(rig)
            await caught_up(standby, driver)
            assert_faithful(rig.path, copy)


async def test_a_broker_restart_mid_stream_loses_nothing(broker: Broker, tmp_path: Path) -> None:
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with (
        driving(broker, rig, resend=False) as driver,
        standing_by(broker, copy) as standby,
    ):
        show_until_panel(rig)
        await caught_up(standby, driver)
        broker.kill()  # records published from here on are lost with it
        show_panel(rig)  # the show goes on meanwhile
        await asyncio.sleep(0.3)
        assert standby.last is not None and driver.head is not None
        assert standby.last < driver.head
        broker.start()  # empty: no retained value, no queue
        await caught_up(standby, driver)
        assert_faithful(rig.path, copy)


async def test_a_record_lost_in_the_stream_is_sent_again(broker: Broker, tmp_path: Path) -> None:
    """The last records are lost and nothing follows them: the standby's presence shows its
    copy stuck behind, and the driver sends it the rest."""
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with driving(broker, rig) as driver, standing_by(broker, copy) as standby:
        show_until_panel(rig)
        await caught_up(standby, driver)
        deliver = standby._record
        lost: list[bytes] = []

        def lose_the_next_record(line: bytes) -> None:
            if not lost:  # as if the broker had never delivered it
                lost.append(line)
                return
            deliver(line)

        standby._record = lose_the_next_record  # type: ignore[method-assign]
        rig.obs("obs_disconnected")  # the last record for a while: no later one shows the gap
        await caught_up(standby, driver)
        assert len(lost) == 1
        assert_faithful_records(rig.path, copy)


def assert_faithful_records(original: Path, copy: Path) -> None:
    assert copy.read_bytes() == original.read_bytes()


def clocks() -> tuple[Clock, ManualClock]:
    real = ManualClock(at("16:31"), simulated=False)
    return ManualClock(at("16:31")), real


async def test_the_copy_resumes_to_the_show_the_original_resumes_to(
    broker: Broker, tmp_path: Path
) -> None:
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with driving(broker, rig) as driver, standing_by(broker, copy) as standby:
        show_until_panel(rig)
        show_panel(rig)
        await caught_up(standby, driver)
    rig.crash()  # the primary dies; the standby's copy lock is released as it takes over
    head = driver.head
    assert head is not None
    # the standby's laptop has the programme as it was before the show (the first version)
    theirs, _ = save(on_laptop(tmp_path / "laptop-b" / "event"), SEED)
    ours = rig.programme
    show, real = clocks()
    original = resume(rig.path, ours, show, real_clock=real)
    copied = resume(copy, theirs, show, real_clock=real)
    assert original.ok and copied.ok, copied.mismatches
    assert copied.done_keys == original.done_keys
    assert copied.done_keys >= {
        "keynote:on_start:start_streaming",
        "panel:on_start:start_recording",
    }
    assert copied.state.position == original.state.position
    assert copied.state.records == original.state.records
    assert copied.state.programme.slots == original.state.programme.slots  # the revision's
    assert copied.next_seq == original.next_seq == head + 1
    assert last_epoch(read_log(copy).records) == 1  # the takeover drives at 2

    # the takeover itself: `timekeeper run` on the copy goes on with the next seq
    show, real = clocks()
    run = start_run(
        theirs, clock=show, real_clock=real, mode="live", rehearsal=False, log_path=copy
    )
    assert run.resumed is not None and run.resumed.ok
    assert run.done_keys == original.done_keys
    run.log.close()
    assert b'"record":"resume","seq":' + str(head + 1).encode() in copy.read_bytes()


async def test_a_restarted_standby_goes_on_and_a_copy_of_another_run_is_set_aside(
    broker: Broker, tmp_path: Path
) -> None:
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with driving(broker, rig, resend=False) as driver:
        async with standing_by(broker, copy) as standby:
            show_until_panel(rig)
            await caught_up(standby, driver)
        with copy.open("ab") as fh:
            fh.write(b'{"record":"event","seq":999,"ev')  # the standby died mid-write
        show_panel(rig)
        async with standing_by(broker, copy) as standby:
            await caught_up(standby, driver)
            assert standby.set_aside == []
            assert_faithful(rig.path, copy)
    rig.crash()

    # the next morning: the primary starts a new run; yesterday's copy is another log
    next_day = ManualClock(REAL_START + timedelta(days=1), simulated=False)
    second = Rig(rig.programme, at("15:25"), fresh=True, real=next_day)
    async with driving(broker, second) as driver, standing_by(broker, copy) as standby:
        second.to("15:36")
        await asyncio.wait_for(standby.wait_until(lambda: bool(standby.set_aside)), WITHIN)
        await caught_up(standby, driver)
        assert copy.read_bytes() == second.path.read_bytes()
        assert len(standby.set_aside) == 1
        assert standby.set_aside[0].read_bytes() == rig.path.read_bytes()


async def test_a_driver_that_stops_sends_its_last_records_first(
    broker: Broker, tmp_path: Path
) -> None:
    """The end of a run: the show ended, the log closed, the replica stopped at once. What
    the log wrote last (its `close`) reaches the copy: `drain` waits for it (a
    stopped driver cannot answer a replay)."""
    rig = primary(tmp_path / "laptop-a" / "event")
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    async with standing_by(broker, copy) as standby:
        async with driving(broker, rig) as driver:
            await caught_up(standby, driver)
            show_until_panel(rig)
            rig.to("17:00")
            rig.run.log.close()
            assert await driver.drain(WITHIN)
        assert driver.head is not None
        await asyncio.wait_for(standby.wait_for(driver.head), WITHIN)
        assert standby.copy.closed
        assert copy.read_bytes() == rig.path.read_bytes()


def test_a_copy_is_closed_only_while_the_driver_s_close_is_its_last_record(
    tmp_path: Path,
) -> None:
    """A restarted driver writes on after its `close`: the copy is not over then."""
    rig = primary(tmp_path / "laptop-a" / "event")
    rig.to("15:31")
    rig.run.log.close()
    lines = rig.path.read_bytes().splitlines(keepends=True)
    copy = CopyFile(tmp_path / "laptop-b" / "copy.jsonl")
    copy.write(tuple(lines[:-1]))
    copy.noted(tuple(lines[:-1]))
    assert not copy.closed
    copy.write(tuple(lines[-1:]))
    copy.noted(tuple(lines[-1:]))
    assert copy.closed
    more = b'{"seq":%d,"event":"resumed"}\n' % len(lines)
    copy.noted((more,))
    assert not copy.closed
    copy.close()
