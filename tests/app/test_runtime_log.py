"""The log a run writes to is the one its pair drives: after a takeover, the copy resumed.

A standby's run opens no log of its own (`own_log` is None); once it takes over, its pair
drives the copy, resumed. Revisions (an edit accepted, a running-late plan) and the
operator's OBS commands are written where the show is written — they were lost after a
takeover (`Runtime.asrun` was the standby's None), and so lost to a crash and to the
next standby.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from tests.asrun.rig import Rig
from tests.asrun.test_revisions import LONGER_KEYNOTE, SEED, save
from tests.factories import at
from timekeeper.app.pair import PairService
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.asrun import RunStart
from timekeeper.asrun.log import read_log
from timekeeper.show.revisions import accept


@dataclass
class Pair:
    """What the runtime asks of its pair here: the log it drives now (None: it stands by)."""

    run: RunStart | None


def test_after_a_takeover_a_revision_is_written_to_the_log_the_pair_drives(
    tmp_path: Path,
) -> None:
    programme, _ = save(tmp_path, SEED)
    rig = Rig(programme, at("15:25"))  # the copy, resumed by the takeover
    rig.to("15:40")
    pair = Pair(run=None)  # standing by: no log is written here
    runtime = Runtime.of(rig.session, RunOptions(Path("p.yaml")), at("15:00"))
    runtime = replace(runtime, pair=cast(PairService, pair))
    assert runtime.asrun is None
    pair.run = rig.run  # the takeover
    longer, data = save(tmp_path, LONGER_KEYNOTE)
    accept(runtime, longer, data, "operator")
    revisions = [r for r in read_log(rig.path).records if r.get("record") == "revision"]
    assert [r.get("by") for r in revisions] == ["operator"]
    assert revisions[0].get("sha256") == longer.digest
