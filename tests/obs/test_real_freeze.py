"""A driver frozen (SIGSTOP) past a boundary and resumed after a takeover drives nothing.

Real OBS, two processes (issue 24): the epoch-1 driver (tests/obs/pair_child.py)
arms a switch, is frozen before its boundary, a standby here takes over at
epoch 2, the boundary passes, the old driver is resumed. Its armed switch must
not reach OBS: its lease is stale, so before sending it reads what OBS relayed
while it was frozen (the epoch-2 announcements) and stands down.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from timekeeper.core.clock import SystemClock
from timekeeper.obs.controller import RunIdentity, SwitchPolicy
from timekeeper.obs.status import Role
from timekeeper.obs.takeover import DueScene
from timekeeper.show.timing import sleep_until

from .conftest import ControllerFactory
from .headless import HeadlessObs

pytestmark = pytest.mark.obs
ROOT = Path(__file__).resolve().parents[2]
CLOCK = SystemClock()
STANDBY = RunIdentity("run-a-standby", "booth-laptop", 777, "E2E show", "live", 1, Role.STANDBY)


class Child:
    """The old driver's process: its JSON lines, read in a thread."""

    def __init__(self, obs: HeadlessObs, scene: str, seconds: float) -> None:
        env = {**os.environ, "OBS_PAIR_PASSWORD": obs.password}
        argv = [sys.executable, "-m", "tests.obs.pair_child", obs.url, scene, str(seconds)]
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.lines: list[dict[str, Any]] = []

    async def wait_for(self, kind: str, timeout: float) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                found = [line for line in self.lines if line.get("kind") == kind]
                if found:
                    return found[0]
                assert self.proc.stdout is not None
                raw = await asyncio.to_thread(self.proc.stdout.readline)
                if not raw:
                    raise AssertionError(f"the child ended without {kind}: {self.lines}")
                self.lines.append(json.loads(raw))

    def kinds(self) -> list[str]:
        return [str(line.get("kind")) for line in self.lines]

    def close(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def program_scene(obs: HeadlessObs) -> str:
    return str(obs.request("GetCurrentProgramScene")["currentProgramSceneName"])


async def test_a_driver_frozen_past_its_boundary_and_resumed_after_a_takeover_sends_nothing(
    real_obs: HeadlessObs, make_controller: ControllerFactory
) -> None:
    keynote, panel = real_obs.scenes[2:4]
    child = Child(real_obs, panel, seconds=2.0)
    try:
        ready = await child.wait_for("ready", timeout=30)
        boundary = datetime.fromisoformat(ready["boundary_at"])
        new, new_rec = make_controller(
            real_obs.url,
            real_obs.password,
            request_timeout=3,
            switch_policy=SwitchPolicy(confirm_timeout=2.0, retries=1, retry_interval=0.5),
            announce=STANDBY,
        )
        await new.start()
        assert await new.wait_connected(10)
        await new_rec.wait_for("other_timekeeper_noted")  # it hears the epoch-1 driver
        os.kill(child.proc.pid, signal.SIGSTOP)  # frozen before its boundary
        plan = await new.fencing.take_over(2, DueScene(keynote, "k", CLOCK.now()), {}, ())
        assert plan.switch is not None
        await new_rec.wait_for("scene_switch_confirmed", scene=keynote)
        await sleep_until(CLOCK, boundary + timedelta(milliseconds=300))  # passes, frozen
        os.kill(child.proc.pid, signal.SIGCONT)
        record = await child.wait_for("record", timeout=10)
        fenced = await child.wait_for("fenced", timeout=10)
        assert fenced["epoch"] == 2
        assert record["outcome"] == "cancelled", child.lines
        assert "scene_switch_requested" not in child.kinds()
        assert program_scene(real_obs) == keynote
    finally:
        child.close()
    assert "scene_switch_requested" not in child.kinds()
    assert program_scene(real_obs) == keynote
