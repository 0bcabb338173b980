"""The standby's topics under the ACL docs/standby.md prescribes (real mosquitto, passwords).

The broker is configured as docs/rooms.md says, its ACL extended by the standby's lines from
docs/standby.md: the primary and the standby, both the room's broker user, make the copy.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.asrun.rig import Rig
from tests.asrun.test_revisions import SEED, save
from tests.factories import at
from timekeeper.core.standby import Peer
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.replica import DriverReplica
from timekeeper.rooms.replica_standby import StandbyReplica
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics

from .broker import Broker, docs_blocks, docs_mosquitto, mosquitto_missing_reason

DOCS = Path(__file__).resolve().parents[2] / "docs" / "standby.md"
ACL = "# /etc/mosquitto/acl (added to the room lines of rooms.md)"
PASSWORDS = {"room-b": "rb-Secret-0815", "stage": "st-Secret-2342"}
TOPICS = RoomTopics.named("Data Work Symposium", "Room B")
FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[Broker]:
    reason = mosquitto_missing_reason() or (
        None if shutil.which("mosquitto_passwd") else "mosquitto_passwd is not installed"
    )
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    conf, acl = docs_mosquitto()
    standby_lines = textwrap.dedent(docs_blocks(DOCS)[ACL])
    b = Broker(tmp_path / "broker", users=PASSWORDS, acl=acl + standby_lines, auth_config=conf)
    b.start()
    try:
        yield b
    finally:
        b.stop()


async def test_the_docs_acl_lets_the_room_user_copy_its_log(
    secure_broker: Broker, tmp_path: Path
) -> None:
    password = PASSWORDS["room-b"]
    room = BrokerSettings("127.0.0.1", secure_broker.port, username="room-b", password=password)
    folder = tmp_path / "laptop-a" / "event"
    folder.mkdir(parents=True)
    programme, _ = save(folder, SEED)
    rig = Rig(programme, at("15:25"))
    driver = DriverReplica(room, TOPICS, rig.path, Peer(1, "run-a"), backoff=FAST)
    driver.attach(rig.run.log)
    copy = tmp_path / "laptop-b" / "runs" / "copy.jsonl"
    standby = StandbyReplica(room, TOPICS, copy, run_id="run-b", backoff=FAST)
    driver.start()
    standby.start()
    try:
        rig.to("15:36")
        rig.obs("action_done", key="keynote:on_start:start_streaming")
        assert driver.head is not None
        await asyncio.wait_for(standby.wait_for(driver.head), 20)
        assert copy.read_bytes() == rig.path.read_bytes()
        assert standby.copy.missing == set()  # the programme version came too
    finally:
        await standby.stop()
        await driver.stop()
