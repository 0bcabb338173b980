"""With no fault, the standby follows to the end: it never drives; its copy holds the whole show.

The baseline of the other tests here: the primary runs the show to its end (and exits),
the standby announces itself as standby throughout, every boundary is switched once by
the primary, and the copy holds every record the primary wrote — the last ones too,
written as the show ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs
from tests.rooms.broker import Broker

from .pair import SHOW_SCENES, pair, show_slots
from .test_takeover import DELAY

pytestmark = [pytest.mark.obs, pytest.mark.timeout(180)]


def test_the_standby_follows_to_the_end_and_holds_the_whole_show(
    tmp_path: Path, standby_obs: HeadlessObs, broker: Broker
) -> None:
    with pair(tmp_path, standby_obs, broker, show_slots(3, 3.0, SHOW_SCENES), lead=6.0) as p:
        primary = p.start_primary()
        standby = p.start_standby(delay=DELAY)
        p.wait_announcing(primary, "driver")
        p.wait_announcing(standby, "standby")
        p.wait_ended()
        result = p.judge(primary, standby, p.run_id(primary))
        assert result.takeover.first_new is None
        assert result.missed == [] and result.twice == []
        p.wait_copy(primary, standby, timeout=10)
        events = [r.get("event") for r in standby.log()]
        assert "show_ended" in events
