"""A standby pair's first driver (epoch 1) in a process of its own, for test_real_freeze.py.

    python -m tests.obs.pair_child URL SCENE SECONDS

Connects to OBS (the password from OBS_PAIR_PASSWORD, never the command line),
drives epoch 1, arms a switch to SCENE for SECONDS from now, then prints one
JSON line per controller event (and {"kind": "ready"} once armed, then
{"kind": "record", ...} with the armed switch's outcome) until stdin closes.
The test SIGSTOPs it before the boundary and SIGCONTs it after a takeover.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from datetime import timedelta

from timekeeper.core.clock import SystemClock
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController, RunIdentity
from timekeeper.obs.status import Role

IDENTITY = RunIdentity("run-b-primary", "stage-pc", os.getpid(), "E2E show", "live", 1, Role.DRIVER)


def say(data: Mapping[str, object]) -> None:
    print(json.dumps(data, default=str), flush=True)


async def main(url: str, scene: str, seconds: float) -> int:
    clock = SystemClock()
    client = ObsClient(url, os.environ.get("OBS_PAIR_PASSWORD"), request_timeout=3)
    controller = ObsController(
        client,
        clock=clock,
        on_event=lambda event: say(event.to_dict()),
        announce=IDENTITY,
    )
    await controller.start()
    if not await controller.wait_connected(10):
        say({"kind": "error", "message": str(controller.status.last_error)})
        return 1
    boundary = clock.now() + timedelta(seconds=seconds)
    armed = controller.arm_switch(scene, boundary_at=boundary, key="frozen-boundary")
    say({"kind": "ready", "boundary_at": boundary.isoformat()})
    record = await armed
    say({"kind": "record", "outcome": record.outcome.value, "error": record.error})
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
    await controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]))))
