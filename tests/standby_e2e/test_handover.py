"""A planned handover: the primary's operator hands the show to the standby (the control API).

Both machines are their own `timekeeper run` processes on one OBS and one broker. The
primary's operator sends `hand-over` (confirmed); the standby drives at epoch 2 once its
copy holds the primary's last record, the primary stands by. No gap: the standby's log
holds every record the primary wrote, byte for byte, and continues from the last; no
repeat: every boundary's scene on program once, the recording started once and stopped
once, no once-only key done twice.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs, free_port
from tests.rooms.broker import Broker

from .pair import SHOW_SCENES, pair, show_slots
from .test_takeover import DELAY, sleep_until_before

pytestmark = [pytest.mark.obs, pytest.mark.timeout(180)]


def test_a_planned_handover_has_no_gap_and_no_repeat(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    port = free_port()
    with pair(tmp_path, standby_obs, broker, show_slots(4, 4.0, SHOW_SCENES), lead=6.0) as p:
        primary = p.start_primary("--control", "--port", str(port))
        standby = p.start_standby(delay=DELAY)
        p.wait_announcing(primary, "driver")
        p.wait_announcing(standby, "standby")
        p.wait_copy(primary, standby)
        old_run = p.run_id(primary)
        sleep_until_before(p, 1, -1.5)  # mid-slot 2, well clear of a boundary
        unconfirmed = p.action(port, "hand-over", {})
        assert unconfirmed.get("status") == 428, unconfirmed  # asked to confirm, nothing done
        mark = p.witness.mark()
        handed = time.monotonic()
        answer = p.action(port, "hand-over", {"confirm": True})
        assert answer.get("ok"), answer
        new = p.wait_announcing(standby, "driver", timeout=10)
        _, asked = primary.run.wait_for("handover", timeout=10)
        # the show as the primary handed it over: its records up to the seq it asked the
        # standby to hold (what it writes after, hearing epoch 2, is its own: set aside)
        as_handed = [r for r in primary.log() if int(r["seq"]) <= int(asked["seq"])]
        assert new.epoch == 2
        print(f"handover: the standby drove {new.mono - handed:.3f} s after the request")
        p.witness.wait(
            lambda s: s.kind == "announce" and s.pid == primary.pid and s.role == "standby",
            10, "the old primary standing by", after=mark,
        )  # fmt: skip
        assert primary.run.proc.poll() is None, "the old primary exited instead of standing by"
        p.wait_ended()
        result = p.judge(primary, standby, old_run, as_handed)
        assert result.problems() == []
        assert result.continuity.unreplicated == 0, "records of the primary the copy never got"
        said = [json.loads(text) for text in list(primary.run.raw) if text.startswith("{")]
        refused = [line for line in said if line.get("event") == "pair_refused"]
        assert refused == [], "the primary took the handover for a failed one and drove on"
