"""The primary dies or freezes; the standby, another process, takes over (real OBS, real mosquitto).

Each machine is its own `timekeeper run` process; OBS's own events (the witness) and the
two as-run logs are the evidence (judge.py). Killed 200 ms before a boundary, or at a
seeded random instant: the standby drives after the takeover delay (the delay is
reported; the bound is generous for a loaded machine), each boundary's scene is on
program once, the recording started once and stopped once, and the standby's log
continues the primary's sequence. Frozen for 5 s: the standby takes over, and the old
primary, resumed with switches overdue, stands by and switches nothing.
"""

from __future__ import annotations

import random
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs
from tests.rooms.broker import Broker
from timekeeper.core.clock import SystemClock

from .pair import SHOW_SCENES, Machine, Pair, pair, show_slots

pytestmark = [pytest.mark.obs, pytest.mark.timeout(180)]
CLOCK = SystemClock()
DELAY = 0.75  # --takeover-delay: the default
MARGIN = 1.5  # on top of the delay, for a machine loaded by other engineers' tests
SLOT = 4.0
SLOTS = show_slots(5, SLOT, SHOW_SCENES)


def sleep_until_before(p: Pair, slot: int, before: float) -> None:
    """Sleep until `before` seconds before slot `slot`'s (0-based) planned start."""
    at = p.programme.slots[slot].start - timedelta(seconds=before)
    left = (at - CLOCK.now()).total_seconds()
    assert left > 0, (
        f"the pair was not ready {before} s before slot {slot + 1} (late {-left:.1f} s)"
    )
    time.sleep(left)


def ready(p: Pair) -> tuple[Machine, Machine, str]:
    """Primary driving, standby standing by and holding the primary's log so far."""
    primary = p.start_primary()
    standby = p.start_standby(delay=DELAY)
    p.wait_announcing(primary, "driver")
    p.wait_announcing(standby, "standby")
    p.wait_copy(primary, standby)
    return primary, standby, p.run_id(primary)


def kill_and_judge(p: Pair, primary: Machine, standby: Machine, old_run: str) -> None:
    primary.run.kill()
    new = p.wait_announcing(standby, "driver", timeout=DELAY + 10)
    assert new.epoch == 2, f"the standby drives at epoch {new.epoch}"
    p.wait_ended()
    result = p.judge(primary, standby, old_run)
    delay = result.takeover.delay
    print(f"takeover delay {delay:.3f} s (--takeover-delay {DELAY:g})")
    assert delay is not None and delay <= DELAY + MARGIN, f"took over {delay} s after"
    assert result.problems() == []
    assert any(r.get("event") == "driving" and r.get("epoch") == 2 for r in standby.log())


def test_killed_200_ms_before_a_boundary(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=6.0) as p:
        primary, standby, old_run = ready(p)
        sleep_until_before(p, 2, 0.2)
        kill_and_judge(p, primary, standby, old_run)


def test_killed_200_ms_before_the_end_the_standby_stops_the_recording(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    """The last slot's end is a boundary too: its `stop_recording` is the standby's to do."""
    with pair(tmp_path, standby_obs, broker, show_slots(3, SLOT, SHOW_SCENES), lead=6.0) as p:
        primary, standby, old_run = ready(p)
        end = p.programme.end - timedelta(seconds=0.2)
        time.sleep(max(0.0, (end - CLOCK.now()).total_seconds()))
        primary.run.kill()
        p.wait_ended(timeout=DELAY + 10)  # the recording stopped, by the standby
        result = p.judge(primary, standby, old_run)
        assert result.takeover.epoch == 2
        assert result.problems() == []


@pytest.mark.parametrize("seed", [1, 2])
def test_killed_at_a_random_instant(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker, seed: int
) -> None:
    instant = random.Random(seed).uniform(0.0, 2 * SLOT)  # in slots 2-3, so the show goes on after
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=6.0) as p:
        primary, standby, old_run = ready(p)
        sleep_until_before(p, 1, -instant)
        kill_and_judge(p, primary, standby, old_run)


def test_frozen_5_s_the_old_primary_stands_by_and_drives_nothing(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=6.0) as p:
        primary, standby, old_run = ready(p)
        sleep_until_before(p, 1, 0.5)  # frozen across slot 2's boundary: a switch overdue
        primary.signal(signal.SIGSTOP)
        stopped = time.monotonic()
        as_frozen = primary.log()
        p.wait_announcing(standby, "driver", timeout=DELAY + 10)
        time.sleep(max(0.0, 5.0 - (time.monotonic() - stopped)))
        mark = p.witness.mark()
        primary.signal(signal.SIGCONT)
        p.witness.wait(
            lambda s: s.kind == "announce" and s.pid == primary.pid and s.role == "standby",
            10, "the old primary standing by after SIGCONT", after=mark,
        )  # fmt: skip
        assert primary.run.proc.poll() is None, "the old primary exited instead of standing by"
        p.wait_ended()
        result = p.judge(primary, standby, old_run, as_frozen)
        assert result.problems() == []
        after = p.witness.seen[mark:]
        drove = [
            s for s in after if s.kind == "announce" and s.pid == primary.pid and s.role == "driver"
        ]
        assert all(s.epoch < 2 for s in drove)  # it never claimed the new epoch
