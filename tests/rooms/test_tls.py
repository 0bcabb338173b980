"""The broker over TLS, for real (issue 21, item 9): docs/rooms.md's set-up on a mosquitto.

The CA and the broker's certificate are made by running the docs' own `openssl` commands
(the name `broker.lan` read as `localhost`); mosquitto listens with the docs' TLS lines
and requires the docs' passwords and ACL. Rooms are real `timekeeper run venue.yaml
--room NAME --headless` processes with `mqtts://` and `ca_file` as the docs write them.
A certificate from another CA (made by tests/rooms/certs.py), an expired one, and one for
another host are each refused with what to fix; the room keeps time, and no password is
printed anywhere. A `ca_file` that cannot be used is refused at start (exit 2).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .broker import Broker, Listener, docs_blocks, docs_mosquitto, mosquitto_missing_reason
from .certs import make_ca, make_server_cert, openssl_missing_reason
from .test_auth import BASE, PASSWORDS, REPO, Room, rooms

__all__ = ["rooms"]  # the fixture, shared with test_auth

DOCS_CERTS = "# make the venue's CA and the broker's certificate"


def _need(*reasons: str | None) -> None:
    for reason in reasons:
        if reason is not None:
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)


@pytest.fixture
def venue_ca(tmp_path: Path) -> Path:
    """The docs' commands, run as written in a folder of their own: ca.crt, broker.crt/.key."""
    _need(openssl_missing_reason())
    folder = tmp_path / "venue-ca"
    folder.mkdir()
    script = docs_blocks()[DOCS_CERTS].replace("broker.lan", "localhost")
    subprocess.run(["bash", "-euc", script], cwd=folder, check=True, capture_output=True)
    (folder / "broker.key").chmod(0o644)  # mosquitto drops to its own user before reading it
    return folder


BrokerFactory = Callable[[Path, Path], Broker]


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[BrokerFactory]:
    """A mosquitto configured as the docs say (TLS lines, passwords, ACL) with a given cert."""
    _need(mosquitto_missing_reason(), None if shutil.which("mosquitto_passwd") else "no passwd")
    started: list[Broker] = []

    def start(cert: Path, key: Path) -> Broker:
        conf, acl = docs_mosquitto()
        broker = Broker(
            tmp_path / f"broker-{len(started)}",
            users=PASSWORDS,
            acl=acl,
            auth_config=conf,
            tls=(cert, key),
        )
        broker.start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.stop()


def write_venue(folder: Path, url: str, ca_file: str) -> Path:
    shutil.copy(REPO / "programme.yaml", folder / "plenary.yaml")
    path = folder / "venue.yaml"
    path.write_text(
        "venue: {name: Data Work Symposium, timezone: Europe/Amsterdam}\n"
        f'mqtt: {{url: "{url}", ca_file: {ca_file}}}\n'
        "rooms:\n  - {name: Plenary, programme: plenary.yaml}\n"
    )
    return path


async def test_a_room_over_tls_as_the_docs_set_it_up_publishes_and_the_stage_reads_it(
    tmp_path: Path, venue_ca: Path, tls_broker: BrokerFactory, rooms: list[Room]
) -> None:
    broker = tls_broker(venue_ca / "broker.crt", venue_ca / "broker.key")
    shutil.copy(venue_ca / "ca.crt", tmp_path / "ca.crt")  # beside the venue file
    venue = write_venue(tmp_path, f"mqtts://localhost:{broker.port}", "ca.crt")
    stage_tls = ssl.create_default_context(cafile=str(venue_ca / "ca.crt"))
    async with Listener(
        broker.port, f"{BASE}/#", "stage", PASSWORDS["stage"], stage_tls, host="localhost"
    ) as stage:
        room = Room(venue, "Plenary", "plenary", PASSWORDS["plenary"], "16:09:30")
        rooms.append(room)
        connected = await room.wait_for(lambda j: j.get("event") == "broker_connected")
        assert connected["url"] == f"mqtts://localhost:{broker.port}"
        await stage.wait_for("plenary/online", lambda p: p == b"true", timeout=30)
        await stage.wait_for("plenary/status", timeout=30)
    everything = room.stop()
    assert room.proc.returncode == 0, room.stderr
    assert not [p for p in PASSWORDS.values() if p in everything]


REFUSALS = {
    "another CA": (
        "the broker's TLS certificate is not signed by the CA in {ca}: set mqtt.ca_file to the "
        "CA certificate (PEM) that signed the broker's certfile"
    ),
    "expired": (
        "the broker's TLS certificate has expired: renew the broker's certfile (and reload "
        "mosquitto); timekeeper keeps trying"
    ),
    "another host": (
        "the broker's TLS certificate is not for 127.0.0.1: use in mqtt.url a name the "
        "certificate was issued for"
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_certificate_that_fails_the_check_is_refused_with_what_to_fix(
    tmp_path: Path, venue_ca: Path, tls_broker: BrokerFactory, rooms: list[Room], case: str
) -> None:
    host, ca = "localhost", venue_ca / "ca.crt"
    if case == "another CA":  # the broker's certificate is the venue's; the room trusts another
        broker = tls_broker(venue_ca / "broker.crt", venue_ca / "broker.key")
        ca = make_ca(tmp_path / "other-ca", "Someone Else's CA").cert
    elif case == "expired":  # signed by the CA the room trusts, but valid only in January 2020
        own = make_ca(tmp_path / "own-ca")
        old = make_server_cert(own, "old-broker", expired=True)
        broker, ca = tls_broker(old.cert, old.key), own.cert
    else:  # issued for localhost, reached as 127.0.0.1
        broker, host = tls_broker(venue_ca / "broker.crt", venue_ca / "broker.key"), "127.0.0.1"
    venue = write_venue(tmp_path, f"mqtts://{host}:{broker.port}", str(ca))
    room = Room(venue, "Plenary", "plenary", PASSWORDS["plenary"], "16:09:57")
    rooms.append(room)
    lost = await room.wait_for(lambda j: j.get("event") == "broker_lost")
    assert lost["error"] == REFUSALS[case].format(ca=ca)
    # the show goes on: the Keynote ends at 16:10 and the Panel discussion starts
    await room.wait_for(lambda j: j.get("event") == "slot_started" and j["slot"] == "panel")
    everything = room.stop()
    assert room.proc.returncode == 0, room.stderr
    assert not [p for p in PASSWORDS.values() if p in everything]
    assert everything.count('"broker_lost"') == 1  # said once, not at every retry


@pytest.mark.parametrize(
    ("ca_text", "url", "says"),
    [
        (None, "mqtts://localhost:8883", "mqtt.ca_file: cannot read {ca}: No such file"),
        ("not a certificate\n", "mqtts://localhost:8883", "{ca} holds no CA certificate in PEM"),
        (None, "mqtt://localhost:1883", "mqtt.ca_file ({ca}) is for a TLS broker: use mqtts://"),
    ],
)
def test_a_ca_file_that_cannot_be_used_is_refused_at_start_naming_it(
    tmp_path: Path, ca_text: str | None, url: str, says: str
) -> None:
    ca = tmp_path / "ca.crt"
    if ca_text is not None:
        ca.write_text(ca_text)
    venue = write_venue(tmp_path, url, "ca.crt")
    env = {**os.environ, "TK_MQTT_USER": "plenary", "TK_MQTT_PASSWORD": PASSWORDS["plenary"]}
    done = subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", "run", str(venue), "--room", "Plenary",
         "--dry-run", "--headless", "--port", "0", "--log", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert says.format(ca=ca) in done.stderr
    assert PASSWORDS["plenary"] not in done.stdout + done.stderr
