"""`timekeeper check PROGRAMME --log RUNLOG`: an edit checked against a running show's log."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from tests.asrun.rig import Rig
from tests.asrun.test_revisions import LONGER_KEYNOTE, SEED, accept, save
from tests.factories import at
from timekeeper.commands.check_running import check_against_run
from timekeeper.core.clock import ManualClock

ROOT = Path(__file__).resolve().parents[2]
NO_KEYNOTE = SEED.replace("  - id: keynote", "  - id: opening-talk", 1).replace(
    "title: Keynote lecture", "title: Opening talk", 1
)


def check(rig: Rig, programme: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check_against_run(
        str(programme),
        str(rig.path),
        clock=ManualClock(rig.clock.now(), simulated=False),
        real_clock=rig.real,
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def running_keynote(tmp_path: Path) -> tuple[Rig, Path]:
    event = tmp_path / "event"
    event.mkdir()
    programme, _ = save(event, SEED)
    rig = Rig(programme, at("15:25"))
    rig.to("15:40")  # the keynote is live; the run holds its log's lock
    return rig, event / "programme.yaml"


def test_an_edit_the_running_show_would_take_prints_the_difference_and_exits_0(
    tmp_path: Path,
) -> None:
    rig, path = running_keynote(tmp_path)
    logged = rig.path.read_bytes()
    save(path.parent, LONGER_KEYNOTE)
    code, out, err = check(rig, path)
    assert code == 0, err
    lines = out.splitlines()
    assert "15:40:00: Keynote lecture" in lines[0]
    assert "~ 'Keynote lecture': 40 min (was 35 min)" in lines
    assert "  expected 'Panel discussion' 16:15 (was 16:10, +5:00)" in lines
    assert lines[-1].endswith("the running show would accept it (the dashboard offers it "
                              "when the file is saved; y accepts)")  # fmt: skip
    assert rig.path.read_bytes() == logged  # the running show's log is only read


def test_an_edit_removing_the_live_slot_is_refused_with_the_reason_and_exits_1(
    tmp_path: Path,
) -> None:
    rig, path = running_keynote(tmp_path)
    save(path.parent, NO_KEYNOTE)
    code, out, err = check(rig, path)
    assert code == 1
    assert "removes 'Keynote lecture', which is live" in err
    assert "the running show would refuse it" in err
    assert "would accept" not in out


def test_it_compares_with_the_last_accepted_revision_not_the_first_version(
    tmp_path: Path,
) -> None:
    rig, path = running_keynote(tmp_path)
    longer, data = save(path.parent, LONGER_KEYNOTE)
    rig.to("15:41")
    accept(rig, longer, data)  # the show now runs under the longer keynote
    rig.to("15:45")
    code, out, _ = check(rig, path)
    assert code == 0
    assert out.splitlines()[-1].endswith("the version the show runs under: no difference")
    save(path.parent, SEED)  # the edit undone in the file
    code, out, _ = check(rig, path)
    assert code == 0
    assert "~ 'Keynote lecture': 35 min (was 40 min)" in out.splitlines()


def test_an_invalid_file_is_reported_as_check_does_and_exits_2(tmp_path: Path) -> None:
    rig, path = running_keynote(tmp_path)
    path.write_text(SEED.replace("duration: 35m", "duration: soon"), encoding="utf-8")
    code, out, err = check(rig, path)
    assert code == 2 and out == ""
    assert f"{path}:60:15: error:" in err
    assert err.splitlines()[-1] == f"{path}: invalid: the running show would keep its plan"


def test_the_command_line_says_in_one_line_when_the_log_is_not_there(tmp_path: Path) -> None:
    missing = tmp_path / "runs" / "none.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", "check", "programme.yaml", "--log", str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"cannot rebuild the show from {missing}: cannot read the")
    assert len(done.stderr.splitlines()) == 1
