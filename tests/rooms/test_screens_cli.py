"""The venue's screens as people run them survive a hostile retained status (issue 21, item 3).

A real mosquitto holds, retained, a status whose `sent_at` is in year 9999 on one of the
venue's rooms and on a rogue slug no room ever overwrites; the real `timekeeper venue`
and `timekeeper speaker --mqtt` run on a pseudo-terminal (tests/commands'
`Terminal`). Before, both died with OverflowError in their render path at every start.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tests.commands.test_dashboard_terminal import Terminal

from .broker import Broker
from .test_board import T0, status_payload

REPO = Path(__file__).resolve().parents[2]
HOSTILE = "9999-12-31T23:59:59+00:00"


def venue_file(tmp_path: Path, broker: Broker) -> Path:
    for name in ("plenary.yaml", "room-b.yaml"):
        shutil.copy(REPO / "programme.yaml", tmp_path / name)
    path = tmp_path / "venue.yaml"
    path.write_text(
        f"venue: {{name: DWS, timezone: Europe/Amsterdam}}\nmqtt: {{url: '{broker.url}'}}\n"
        "rooms:\n  - {name: Plenary, programme: plenary.yaml}\n"
        "  - {name: Room B, programme: room-b.yaml}\n"
    )
    return path


def hostile_status() -> bytes:
    data = json.loads(status_payload(T0))
    data["sent_at"] = HOSTILE
    return json.dumps(data).encode()


async def publish(broker: Broker, messages: list[tuple[str, bytes, bool]]) -> None:
    import aiomqtt

    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        for topic, payload, retain in messages:
            await client.publish(topic, payload, qos=1, retain=retain)


def hostile_messages() -> list[tuple[str, bytes, bool]]:
    """Retained: a year-9999 status on Plenary and on a rogue slug; a good one on Room B."""
    return [
        ("timekeeper/dws/plenary/status", hostile_status(), True),
        ("timekeeper/dws/plenary/online", b"true", True),
        ("timekeeper/dws/rogue-slug/status", hostile_status(), True),
        ("timekeeper/dws/room-b/status", status_payload(T0), True),
        ("timekeeper/dws/room-b/online", b"true", True),
    ]


def retain_hostile(broker: Broker) -> None:
    asyncio.run(publish(broker, hostile_messages()))


@pytest.mark.usefixtures("broker")
def test_the_venue_overview_shows_bad_status_for_that_room_and_runs_on(
    tmp_path: Path, broker: Broker
) -> None:
    retain_hostile(broker)
    term = Terminal("venue", str(venue_file(tmp_path, broker)))
    try:
        assert term.read(30, until=b"bad status"), term.seen[-3000:].decode(errors="replace")
        assert term.read(10, until=b"Keynote lecture"), "Room B's line is gone"
        assert term.proc.poll() is None
        assert b"rogue" not in term.seen
        term.type("q")
        assert term.wait() == 0, term.seen[-3000:].decode(errors="replace")
    finally:
        term.close()
    assert b"Traceback" not in term.seen


def test_the_speaker_screen_over_mqtt_refuses_it_and_shows_the_next_good_status(
    broker: Broker,
) -> None:
    retain_hostile(broker)
    term = Terminal("speaker", "--mqtt", broker.url, "--room", "Plenary", "--venue", "DWS")
    try:
        assert term.read(30, until=b"Waiting for the room"), term.seen[-3000:].decode(
            errors="replace"
        )
        asyncio.run(publish(broker, [("timekeeper/dws/plenary/status", status_payload(T0), False)]))
        assert term.read(20, until=b"Keynote lecture"), term.seen[-3000:].decode(errors="replace")
        term.type("q")
        assert term.wait() == 0
    finally:
        term.close()
    assert b"Traceback" not in term.seen
