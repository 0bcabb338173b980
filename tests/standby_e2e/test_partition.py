"""The primary cut off from the broker only (through the proxy the test controls): no takeover.

The primary still reaches OBS and announces itself there; the broker, seeing its
connection go, publishes its last will, and its beats stop. Quiet on one path only is
alive: the standby must not drive, the primary switches every boundary itself, and once
the path is back the standby's copy catches up with what the primary wrote meanwhile.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs
from tests.rooms.broker import Broker

from .pair import SHOW_SCENES, pair, show_slots
from .test_takeover import DELAY, sleep_until_before

pytestmark = [pytest.mark.obs, pytest.mark.timeout(180)]
CUT = 5.0  # seconds: five takeover delays


@pytest.mark.parametrize("mode", ["drop", "blackhole"])
def test_a_primary_cut_from_the_broker_only_is_not_taken_over(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker, mode: str
) -> None:
    with pair(tmp_path, standby_obs, broker, show_slots(4, 4.0, SHOW_SCENES), lead=6.0) as p:
        primary = p.start_primary()
        standby = p.start_standby(delay=DELAY)
        p.wait_announcing(primary, "driver")
        p.wait_announcing(standby, "standby")
        p.wait_copy(primary, standby)
        sleep_until_before(p, 1, 1.0)  # the cut spans slot 2's boundary
        mark = p.witness.mark()
        p.proxy.cut(mode)
        time.sleep(CUT)  # a bound on absence: five takeover delays without one
        p.proxy.restore()
        restored = time.monotonic()
        took = [
            s for s in p.witness.seen[mark:]
            if s.kind == "announce" and s.pid == standby.pid and s.role == "driver"
        ]  # fmt: skip
        assert took == [], f"the standby took over a primary alive on OBS: {took[0]}"
        p.wait_copy(primary, standby, timeout=6.0)  # caught up while the show still runs
        print(f"the copy caught up {time.monotonic() - restored:.2f} s after the restore")
        p.wait_ended()
        result = p.judge(primary, standby, p.run_id(primary))
        assert result.missed == [] and result.twice == []
        assert result.takeover.first_new is None
        # (the copy's end of the show: test_follow.py)
