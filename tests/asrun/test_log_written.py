"""The log's `on_written` hook (issue 24): a standby is handed each line once it is on disk,
exactly as written, and never a line the disk refused (until it is written after all)."""

from __future__ import annotations

from pathlib import Path

from tests.asrun.rig import REAL_START, on_disk
from tests.asrun.runs import disk_full
from tests.factories import at, webinar
from timekeeper.asrun.log import AsRunLog, RunHeader
from timekeeper.core.clock import ManualClock


def test_lines_are_handed_on_once_on_disk_exactly_as_written(tmp_path: Path) -> None:
    prog = on_disk(webinar(), tmp_path)
    clock = ManualClock(at("09:50"), simulated=False)
    real = ManualClock(REAL_START, simulated=False)
    path = tmp_path / "runs" / "show.jsonl"
    header = RunHeader.for_run(
        prog, path, clock=clock, real_clock=real, mode="live", rehearsal=False
    )
    log = AsRunLog.create(path, header, clock=clock, real_clock=real)
    handed: list[bytes] = []
    log.on_written(handed.extend)
    log.append({"event": "obs_connected"})
    with disk_full():
        log.append({"event": "action_done", "key": "welcome:on_start:start_streaming"})
        assert len(handed) == 1  # not on disk: not handed on
    assert log.retry()
    log.close()
    data = path.read_bytes()
    assert data.split(b"\n", 1)[1] == b"".join(handed)  # every line but the header, as is
    assert [line.count(b'"seq":') for line in handed] == [1, 1, 1, 1]  # + log_error, close
