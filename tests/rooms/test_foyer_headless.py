"""`timekeeper venue venue.yaml --serve --headless`: the foyer board on a PC nobody operates.

The real CLI as a subprocess with no terminal (stdin /dev/null), a real mosquitto holding
a hostile retained status (year-9999 `sent_at`) on one room and on a rogue slug: the
board serves, that room is `bad`, the other room and only the venue's rooms are there;
SIGTERM is a clean exit 0; a port in use or an unreachable broker is exit 2 with one line
that says why.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from .broker import Broker, free_port, mosquitto_missing_reason
from .test_screens_cli import hostile_messages, publish, venue_file

ROOT = Path(__file__).resolve().parents[2]


async def start(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TK_MQTT_")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "timekeeper.cli", "venue", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT, env={**environ, "TERM": "dumb", **(env or {})},
    )  # fmt: skip


async def finish(proc: asyncio.subprocess.Process, timeout: float = 30) -> tuple[int, str]:
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_headless_serves_the_board_survives_a_hostile_status_and_stops_on_sigterm(
    tmp_path: Path, broker: Broker
) -> None:
    await publish(broker, hostile_messages())
    proc = await start(str(venue_file(tmp_path, broker)), "--serve", "--headless", "--port", "0")
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        found = re.search(r"foyer board: (http://\S+)", line)
        assert found, line
        url = found.group(1)
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # the retained statuses arrive just after the connection
                async with http.get(url + "foyer.json") as response:
                    state = await response.json()
                if all(room["bad"] or room["live"] for room in state["rooms"]):
                    break
                await asyncio.sleep(0.1)
            async with http.get(url) as page:
                assert page.status == 200
        assert [room["name"] for room in state["rooms"]] == ["Plenary", "Room B"]
        plenary, room_b = state["rooms"]
        assert plenary["bad"] and not room_b["bad"]
        assert room_b["live"]["title"] == "Keynote lecture"
        proc.send_signal(signal.SIGTERM)
        code, err = await finish(proc, 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0, err
    assert "Traceback" not in err


async def test_headless_on_a_port_in_use_is_exit_2_with_the_port(
    tmp_path: Path, broker: Broker
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = await start(str(venue_file(tmp_path, broker)), "--serve", "--headless",
                           "--port", str(port))  # fmt: skip
        code, err = await finish(proc)
    assert code == 2
    assert err.strip() == f"timekeeper: port {port} is in use; pass --port N"


async def test_headless_without_a_broker_is_exit_2_saying_so(
    tmp_path: Path, broker: Broker
) -> None:
    nobody = f"mqtt://127.0.0.1:{free_port()}"
    proc = await start(str(venue_file(tmp_path, broker)), "--serve", "--headless", "--port", "0",
                       "--mqtt", nobody, "--broker-wait", "1")  # fmt: skip
    code, err = await finish(proc)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"timekeeper: cannot reach the broker at {nobody}"
    )
    assert "within 1 s" in lines[0] and "Traceback" not in err


async def test_headless_needs_serve(tmp_path: Path, broker: Broker) -> None:
    code, err = await finish(await start(str(venue_file(tmp_path, broker)), "--headless"))
    assert (code, err.strip()) == (
        2,
        "timekeeper: --headless runs only the foyer board: add --serve",
    )


async def test_headless_with_refused_credentials_is_exit_2_naming_the_user_not_the_password(
    tmp_path: Path,
) -> None:
    if (reason := mosquitto_missing_reason()) is not None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)  # as the broker fixture
    locked = Broker(tmp_path / "locked", users={"stage": "right-password"})
    locked.start()
    try:
        proc = await start(
            str(venue_file(tmp_path, locked)), "--serve", "--headless", "--port", "0",
            "--broker-wait", "3", env={"TK_MQTT_USER": "stage", "TK_MQTT_PASSWORD": "wrong"},
        )  # fmt: skip
        code, err = await finish(proc)
    finally:
        locked.stop()
    assert code == 2
    assert "the broker refused the credentials of user 'stage'" in err
    assert "wrong" not in err
