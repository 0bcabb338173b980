"""A room's broker link does not die of one message (issue 21, item 4), with the real CLI.

1,024 `[` then 1,024 `]` on the room's `commands` topic made `json.loads` raise
RecursionError inside the link's task: the task died, the panel kept saying
`Broker ✓`, and the room took no command and published nothing more, silently.
Now the message is dropped, the diagnostics log says so once with a count, and
the room goes on: the next speaker message is carried out and published. (Should
the command parser refuse the bomb itself, each is refused on `events` instead.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aiomqtt

from .broker import Broker, Listener

REPO = Path(__file__).resolve().parents[2]
BASE = "timekeeper/dws/plenary/"
BOMB = b"[" * 1024 + b"]" * 1024


async def test_a_nesting_bomb_on_the_commands_topic_leaves_the_room_taking_commands(
    broker: Broker, tmp_path: Path
) -> None:
    log = tmp_path / "run.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--dry-run",
         "--headless", "--at", "16:09:30", "--port", "0", "--log", str(log),
         "--obs-url", "ws://127.0.0.1:9", "--mqtt", broker.url, "--room", "Plenary",
         "--venue", "DWS"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        async with Listener(broker.port, BASE + "#") as heard:
            await heard.wait_for(BASE + "online", lambda p: p == b"true", timeout=30)
            async with aiomqtt.Client("127.0.0.1", broker.port) as stage:
                for _ in range(5):
                    await stage.publish(BASE + "commands", BOMB, qos=1)
                note = {"command": "message", "text": "after the bombs"}
                await stage.publish(BASE + "commands", json.dumps(note), qos=1)
            await heard.wait_for(BASE + "events", lambda p: b"command_done" in p, timeout=10)
            await heard.wait_for(BASE + "status", lambda p: b"after the bombs" in p, timeout=10)
            refused = [m for m in heard.messages if b"command_refused" in m[1]]
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    if len(refused) == 5:
        return  # the command parser refuses the bomb itself (rooms/commands.py): all the better
    diagnostics = log.with_name(log.stem + ".diagnostics.log").read_text()
    assert diagnostics.count("(1 so far)") == 1  # logged once with its traceback…
    assert "RecursionError" in diagnostics
    assert "(2 so far)" in diagnostics and "(4 so far)" in diagnostics  # …then counted
    assert "(3 so far)" not in diagnostics and "(5 so far)" not in diagnostics
