"""Off the pair's planned path: the end of the show, a death during a handover, two standbys.

Each machine is its own `timekeeper run` process on one real OBS and one real mosquitto;
OBS's own events (the witness) and the logs are the evidence (judge.py).

- The primary killed just after the show's end: whether or not its last records went out,
  the recording is stopped once and the standby ends by itself (exit 0).
- The primary killed just after it asked for a handover: the standby drives (epoch 2).
- The standby killed just after the primary asked it to take the show: the primary drives
  on at once (it hears the standby's last will), and the boundary inside is switched once.
- Two standbys: the primary killed, one of them drives, the other follows it; nothing twice.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs, free_port
from tests.rooms.broker import Broker

from .pair import SHOW_SCENES, pair, show_slots
from .test_takeover import CLOCK, DELAY, MARGIN, SLOT, SLOTS, ready, sleep_until_before

pytestmark = [pytest.mark.obs, pytest.mark.timeout(180)]
EXIT_WITHIN = 20.0  # seconds for a run to end by itself once its show has (a loaded machine)


def test_killed_just_after_the_end_the_standby_finishes_and_ends(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, show_slots(3, SLOT, SHOW_SCENES), lead=6.0) as p:
        primary, standby, old_run = ready(p)
        end = p.programme.end + timedelta(seconds=0.05)
        time.sleep(max(0.0, (end - CLOCK.now()).total_seconds()))
        primary.run.kill()
        p.wait_ended(timeout=DELAY + 10)
        closed = any(r.get("record") == "close" for r in primary.log())
        print("the primary's log was", "closed" if closed else "not closed", "when it was killed")
        assert standby.run.proc.wait(timeout=EXIT_WITHIN) == 0
        result = p.judge(primary, standby, old_run)
        assert result.problems() == []
        events = [r.get("event") for r in standby.log()]
        assert events.count("show_ended") == 1


def test_the_standby_ends_by_itself_once_the_primary_has_ended_the_show(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, show_slots(2, SLOT, SHOW_SCENES), lead=6.0) as p:
        primary, standby, _ = ready(p)
        p.wait_ended()
        assert primary.run.proc.wait(timeout=EXIT_WITHIN) == 0
        assert standby.run.proc.wait(timeout=EXIT_WITHIN) == 0
        assert p.wait_copy(primary, standby, timeout=1) == int(primary.log()[-1]["seq"])
        assert standby.log()[-1].get("record") == "close"


def test_the_primary_killed_just_after_asking_for_a_handover(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    port = free_port()
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=6.0) as p:
        primary = p.start_primary("--control", "--port", str(port))
        standby = p.start_standby(delay=DELAY)
        p.wait_announcing(primary, "driver")
        p.wait_announcing(standby, "standby")
        p.wait_copy(primary, standby)
        old_run = p.run_id(primary)
        sleep_until_before(p, 1, 0.6)  # a boundary comes while the show changes hands
        answer = p.action(port, "hand-over", {"confirm": True})
        assert answer.get("ok"), answer
        primary.run.kill()
        new = p.wait_announcing(standby, "driver", timeout=DELAY + MARGIN + 10)
        assert new.epoch == 2
        p.wait_ended()
        result = p.judge(primary, standby, old_run)
        assert result.problems() == []


def test_the_standby_killed_during_a_handover_the_primary_drives_on(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    port = free_port()
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=6.0) as p:
        primary = p.start_primary("--control", "--port", str(port))
        standby = p.start_standby(delay=DELAY)
        p.wait_announcing(primary, "driver")
        p.wait_announcing(standby, "standby")
        p.wait_copy(primary, standby)
        old_run = p.run_id(primary)
        sleep_until_before(p, 1, 1.0)
        standby.signal(signal.SIGSTOP)  # it cannot take the show: the request waits on it
        answer = p.action(port, "hand-over", {"confirm": True})
        assert answer.get("ok"), answer
        standby.run.kill()  # (its last will: the primary hears it gone)
        boundary = p.programme.slots[1]
        switched = p.witness.wait(
            lambda s: s.kind == "scene" and s.scene == boundary.scene,
            SLOT + 10, f"{boundary.scene} on program",
        )  # fmt: skip
        late = (switched.real - boundary.start).total_seconds()
        print(f"the boundary inside the failed handover was switched {late:.3f} s late")
        assert primary.run.proc.poll() is None
        p.wait_ended()
        result = p.judge(primary, standby, old_run)
        assert result.takeover.first_new is None  # nobody else drove
        assert result.missed == [] and result.twice == []
        assert late < DELAY + MARGIN, "the primary waited out the request before driving on"


def test_two_standbys_one_drives_the_other_follows_it(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, SLOTS, lead=8.0) as p:
        primary = p.start_primary()
        first = p.start_standby(delay=DELAY, name="standby-1")
        second = p.start_standby(delay=DELAY, name="standby-2")
        p.wait_announcing(primary, "driver")
        for standby in (first, second):
            p.wait_announcing(standby, "standby")
            p.wait_copy(primary, standby)
        old_run = p.run_id(primary)
        sleep_until_before(p, 2, 0.2)
        primary.run.kill()
        p.witness.wait(
            lambda s: s.kind == "announce" and s.role == "driver" and s.epoch == 2,
            DELAY + MARGIN + 10, "a standby driving at epoch 2",
        )  # fmt: skip
        p.wait_ended()
        last = {
            s.pid: s.role
            for s in p.witness.seen
            if s.kind == "announce" and s.pid in (first.pid, second.pid)
        }
        roles = sorted(last.values())
        assert roles == ["driver", "standby"], f"the two standbys ended as {roles}"
        driver = first if last[first.pid] == "driver" else second
        result = p.judge(primary, driver, old_run)
        assert result.problems() == []
