"""Records rescued at a disk-full close: merged by the next start, never by hand (issue 21, 9)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.asrun.rig import Rig, on_disk
from tests.factories import seed
from timekeeper.asrun import log as logmod
from timekeeper.asrun.log import LogWriteError, read_log
from timekeeper.core.engine import ActionKind


def _disk_full(patch: pytest.MonkeyPatch) -> None:
    """Every write fails half-way: a fragment of the first line is left on disk."""

    def write_all(fd: int, line: bytes) -> None:
        os.write(fd, line[: len(line) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    patch.setattr(logmod, "_write_all", write_all)


def test_the_next_start_merges_the_rescue_and_numbers_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    prog = on_disk(seed(), tmp_path / "event")
    log = tmp_path / "event" / "runs" / "show.jsonl"
    first = Rig(prog, seed().slots[1].start, log=log)
    first.to("15:40")
    with monkeypatch.context() as patch:
        _disk_full(patch)
        first.act(ActionKind.EXTEND, 5)  # acted on, but never on disk
        with pytest.raises(LogWriteError, match="merges them") as err:
            first.run.log.close()
    [rescue] = temp.iterdir()
    assert str(rescue) in str(err.value) and "by hand" in str(err.value)
    # the next start (the same command): the rescue merged, the fragment gone, no seq reused
    second = Rig(prog, seed().slots[1].start.replace(minute=41), log=log)
    assert second.run.resumed is not None
    assert not rescue.exists()
    contents = read_log(log)
    assert contents.warnings == ()  # no cut-off line, no duplicate sequence number
    assert any("merged" in note for note in second.run.notes)
    seqs = [r["seq"] for r in contents.records]
    assert seqs == sorted(set(seqs))
    assert any(r.get("event") == "extended" for r in contents.records)  # the rescued record
    assert second.session.state.records[1].adjustment.total_seconds() == 300  # replayed
    second.run.log.close()
