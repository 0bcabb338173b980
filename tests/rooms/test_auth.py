"""A broker that requires passwords, configured as docs/rooms.md prescribes (real mosquitto).

The broker's configuration and ACL are read from docs/rooms.md (tests/rooms/broker.py,
`docs_mosquitto`), the password file made with `mosquitto_passwd`. Rooms are real
`timekeeper run venue.yaml --room NAME --headless` processes with their credentials in
the environment: the right ones publish and are seen by the `stage` user; a wrong
password gets an actionable line, the room keeps time and the password is nowhere in
its output or logs; the ACL keeps one room's user out of another room's topics.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from timekeeper.rooms.link import LinkState
from timekeeper.rooms.service import describe_link
from timekeeper.rooms.settings import BrokerSettings

from .broker import Broker, Listener, docs_mosquitto, mosquitto_missing_reason

REPO = Path(__file__).resolve().parents[2]
BASE = "timekeeper/data-work-symposium"
PASSWORDS = {"plenary": "pl-Secret-4711", "room-b": "rb-Secret-0815", "stage": "st-Secret-2342"}
WRONG = "not-the-Password-9999"


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
    b = Broker(tmp_path / "broker", users=PASSWORDS, acl=acl, auth_config=conf)
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def venue(tmp_path: Path, secure_broker: Broker) -> Path:
    for name in ("plenary.yaml", "room-b.yaml"):
        shutil.copy(REPO / "programme.yaml", tmp_path / name)
    path = tmp_path / "venue.yaml"
    path.write_text(
        "venue: {name: Data Work Symposium, timezone: Europe/Amsterdam}\n"
        f'mqtt: {{url: "{secure_broker.url}"}}\n'
        "rooms:\n  - {name: Plenary, programme: plenary.yaml}\n"
        "  - {name: Room B, programme: room-b.yaml}\n"
    )
    return path


class Room:
    """A headless room process; its JSON lines read on a thread, waited for without sleeps."""

    def __init__(self, venue: Path, name: str, user: str, password: str, at: str) -> None:
        self.log = venue.parent / f"log-{name.replace(' ', '')}"
        self.log.mkdir()
        env = {**os.environ, "TK_MQTT_USER": user, "TK_MQTT_PASSWORD": password}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "timekeeper.cli", "run", str(venue), "--room", name,
             "--dry-run", "--headless", "--at", at, "--port", "0", "--log", str(self.log)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.lines: list[dict[str, Any]] = []
        self.stderr = ""

    async def wait_for(self, match: Any, timeout: float = 60) -> dict[str, Any]:
        """The first JSON line (already read or coming) for which `match` is true."""
        assert self.proc.stdout is not None
        for line in self.lines:
            if match(line):
                return line

        async def read() -> dict[str, Any]:
            assert self.proc.stdout is not None
            while True:
                text = await asyncio.to_thread(self.proc.stdout.readline)
                if not text:
                    raise AssertionError(f"the room ended: {self.lines[-5:]}")
                self.lines.append(json.loads(text))
                if match(self.lines[-1]):
                    return self.lines[-1]

        return await asyncio.wait_for(read(), timeout)

    def stop(self) -> str:
        """SIGTERM, and everything it wrote: the rest of stdout, stderr and its log files."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, self.stderr = self.proc.communicate(timeout=20)
        logs = "".join(p.read_text(errors="replace") for p in self.log.rglob("*") if p.is_file())
        return json.dumps(self.lines) + out + self.stderr + logs


@pytest.fixture
def rooms() -> Iterator[list[Room]]:
    started: list[Room] = []
    yield started
    for room in started:
        if room.proc.poll() is None:
            room.proc.kill()
            room.proc.communicate(timeout=10)


def stage_listener(broker: Broker) -> Listener:
    return Listener(broker.port, f"{BASE}/#", username="stage", password=PASSWORDS["stage"])


async def test_anonymous_and_wrong_passwords_are_refused_by_the_docs_broker(
    secure_broker: Broker,
) -> None:
    for user, password in [(None, None), ("plenary", WRONG), ("nobody", "x")]:
        with pytest.raises(aiomqtt.MqttError, match="authori"):
            async with aiomqtt.Client("127.0.0.1", secure_broker.port, username=user,
                                      password=password, timeout=3):  # fmt: skip
                pass


async def test_a_room_with_its_credentials_publishes_and_the_stage_sees_it(
    secure_broker: Broker, venue: Path, rooms: list[Room]
) -> None:
    async with stage_listener(secure_broker) as stage:
        room = Room(venue, "Plenary", "plenary", PASSWORDS["plenary"], "16:09:30")
        rooms.append(room)
        for topic in ("online", "status", "health", "beat", "schedule"):  # all the docs' ACL
            await stage.wait_for(f"plenary/{topic}", timeout=60)
        status = json.loads((await stage.wait_for("plenary/status"))[1])
        assert status["room"]["name"] == "Plenary"
        assert (await stage.wait_for("plenary/online"))[1] == b"true"
        await room.wait_for(lambda j: j.get("event") == "broker_connected")
        # the last will passes the ACL too: a killed room goes offline
        room.proc.kill()
        await stage.wait_for("plenary/online", lambda p: p == b"false", timeout=20)


async def test_a_wrong_password_is_named_the_room_keeps_time_and_the_password_stays_secret(
    secure_broker: Broker, venue: Path, rooms: list[Room]
) -> None:
    room = Room(venue, "Plenary", "plenary", WRONG, "16:09:57")
    rooms.append(room)
    lost = await room.wait_for(lambda j: j.get("event") == "broker_lost")
    assert lost["error"] == (
        "the broker refused the credentials of user 'plenary': check TK_MQTT_PASSWORD "
        "(and that the user is in the broker's password_file)"
    )
    # the show goes on: the Keynote ends at 16:10 and the Panel discussion starts
    panel = await room.wait_for(lambda j: j.get("event") == "slot_started" and j["slot"] == "panel")
    assert panel["at"] == "2023-11-20T16:10:00+01:00"
    assert room.proc.poll() is None
    everything = room.stop()
    assert room.proc.returncode == 0, room.stderr
    assert WRONG not in everything
    assert any(p.name.endswith(".jsonl") for p in room.log.rglob("*"))  # an as-run log was read


async def test_no_user_at_all_says_which_variables_to_set(
    secure_broker: Broker, venue: Path, rooms: list[Room]
) -> None:
    room = Room(venue, "Room B", "", "", "16:09:30")
    rooms.append(room)
    lost = await room.wait_for(lambda j: j.get("event") == "broker_lost")
    assert lost["error"] == (
        "the broker requires a user and password: set TK_MQTT_USER and TK_MQTT_PASSWORD"
    )


async def test_the_acl_keeps_a_room_out_of_another_rooms_topics(
    secure_broker: Broker, venue: Path, rooms: list[Room]
) -> None:
    async with stage_listener(secure_broker) as stage:
        plenary = Room(venue, "Plenary", "plenary", PASSWORDS["plenary"], "16:09:30")
        rooms.append(plenary)
        await plenary.wait_for(lambda j: j.get("event") == "broker_connected")
        await stage.wait_for("plenary/status", timeout=60)
        command = {"command": "message", "text": "forged by room-b"}
        async with aiomqtt.Client("127.0.0.1", secure_broker.port, username="room-b",
                                  password=PASSWORDS["room-b"]) as rb:  # fmt: skip
            await rb.publish(f"{BASE}/plenary/status", b'{"forged":1}', qos=1, retain=True)
            await rb.publish(f"{BASE}/plenary/commands", json.dumps(command), qos=1)
            await rb.publish(f"{BASE}/room-b/status", b'{"marker":1}', qos=1, retain=True)
        # room-b's own topic arrives (same connection, in order): the forged ones would have
        await stage.wait_for("room-b/status", lambda p: b"marker" in p)
        assert not [m for m in stage.messages if b"forged" in m[1]]
        # the stage user may send commands (the docs' ACL): the room carries this one out
        async with aiomqtt.Client("127.0.0.1", secure_broker.port, username="stage",
                                  password=PASSWORDS["stage"]) as st:  # fmt: skip
            text = {"command": "message", "text": "from the stage"}
            await st.publish(f"{BASE}/plenary/commands", json.dumps(text), qos=1)
        await plenary.wait_for(lambda j: j.get("event") == "room_command")
        carried = [j for j in plenary.lines if j.get("event", "").startswith("room_command")]
        assert "forged by room-b" not in json.dumps(plenary.lines)
        assert len(carried) == 1, carried


def test_the_refusal_names_the_venue_files_variables_and_never_the_password() -> None:
    env = {"HALL_USER": "room-b", "HALL_PW": PASSWORDS["room-b"]}
    settings = BrokerSettings.from_url(
        "mqtt://broker.lan", username_env="HALL_USER", password_env="HALL_PW", environ=env
    )
    assert settings.refused().startswith("the broker refused the credentials of user 'room-b'")
    assert "check HALL_PW" in settings.refused()
    assert PASSWORDS["room-b"] not in settings.refused() + repr(settings)
    assert describe_link(LinkState(settings.url, attempts=3, error=settings.refused()))[0] == (
        "Broker ✗ reconnecting (try 3): " + settings.refused()
    )
