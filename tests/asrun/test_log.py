"""The as-run log writer and reader: durable lines, odd files, unwritable places."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from tests.asrun.rig import REAL_START, Rig, on_disk
from tests.factories import at, programme, seed, slot, webinar
from timekeeper.asrun import log as logmod
from timekeeper.asrun.log import (
    AsRunLog,
    LogFormatError,
    LogHealth,
    LogLocationError,
    LogWriteError,
    RunHeader,
    default_log_path,
    read_log,
    slug,
)
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind, ShowEvent


def _open(tmp_path: Path, **kw: object) -> tuple[AsRunLog, ManualClock]:
    prog = on_disk(webinar(), tmp_path)
    clock = ManualClock(at("09:50"), simulated=False)
    real = ManualClock(REAL_START, simulated=False)
    path = tmp_path / "runs" / "show.jsonl"
    header = RunHeader.for_run(
        prog, path, clock=clock, real_clock=real, mode="live", rehearsal=False
    )
    return AsRunLog.create(path, header, clock=clock, real_clock=real, **kw), clock  # type: ignore[arg-type]


def test_round_trip_of_events_actions_messages_and_obs_dicts(tmp_path: Path) -> None:
    log, clock = _open(tmp_path)
    action = Action(ActionKind.EXTEND, minutes=2.5)
    log.record_events(
        [
            ShowEvent("operator", at("10:01"), cause="operator", action=action),
            ShowEvent("slot_started", at("10:01"), "welcome", cause="operator"),
            ShowEvent("message", at("10:02"), text="Wrap up — 1 min", cause="flash"),
        ]
    )
    log.append({"event": "action_done", "key": "welcome:on_start:start_streaming"})
    log.close()
    contents = read_log(log.path)
    assert contents.warnings == ()
    assert contents.header is not None
    assert contents.header.programme == "programme.yaml"
    assert contents.header.programme_path == str(tmp_path / "programme.yaml")
    assert contents.header.started_at == at("09:50")
    kinds = [(r["record"], r.get("event")) for r in contents.records]
    assert kinds == [
        ("event", "operator"),
        ("event", "slot_started"),
        ("event", "message"),
        ("event", "action_done"),
        ("close", None),
    ]
    op, _, msg, obs, _ = contents.records
    assert Action.from_json(op["action"]) == action
    assert msg["text"] == "Wrap up — 1 min"
    assert datetime.fromisoformat(obs["at"]) == clock.now()  # stamped with the show clock
    assert all("real_at" in r for r in contents.records)
    assert [r["seq"] for r in contents.records] == [1, 2, 3, 4, 5]
    assert contents.next_seq == 6


def test_every_record_is_fsynced_before_append_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _ = _open(tmp_path)
    calls: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    for i in range(5):
        log.append({"event": "obs_connected", "n": i})
        assert len(calls) == i + 1
        assert log.path.read_bytes().endswith(b"\n")  # already on disk: a whole line
    # a batch from the session (a boundary's events) is one fsync, before returning
    log.record_events([ShowEvent("hold", at("10:00")), ShowEvent("release", at("10:01"))])
    assert len(calls) == 6
    assert [r["event"] for r in read_log(log.path).records][-2:] == ["hold", "release"]


def test_a_cut_off_last_line_is_ignored_with_a_warning(tmp_path: Path) -> None:
    log, _ = _open(tmp_path)
    log.append({"event": "obs_connected"})
    with log.path.open("ab") as fh:
        fh.write(b'{"record":"event","seq":9,"event":"oper')
    contents = read_log(log.path)
    assert [r["event"] for r in contents.records] == ["obs_connected"]
    assert len(contents.warnings) == 1 and "cut off mid-write" in contents.warnings[0]
    assert contents.keep_bytes is not None
    assert log.path.read_bytes()[: contents.keep_bytes].endswith(b"\n")


def test_a_garbled_middle_line_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    log, _ = _open(tmp_path)
    log.append({"event": "a"})
    with log.path.open("ab") as fh:
        fh.write(b"\x00\x00\x00\n")
    log.append({"event": "b"})
    contents = read_log(log.path)
    assert [r["event"] for r in contents.records] == ["a", "b"]
    assert "line 3" in contents.warnings[0]


def test_empty_log_has_no_header_and_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    contents = read_log(path)
    assert contents.header is None and contents.records == () and contents.warnings == ()
    assert not contents.ended


def test_header_only_log(tmp_path: Path) -> None:
    log, _ = _open(tmp_path)
    contents = read_log(log.path)
    assert contents.header is not None and contents.records == ()


def test_a_file_that_is_not_a_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(LogFormatError, match="not a timekeeper as-run log"):
        read_log(path)
    path.write_text('{"record": "run", "v": 99}\n')
    with pytest.raises(LogFormatError, match="newer timekeeper"):
        read_log(path)


def test_duplicate_records_from_a_retried_write_are_dropped(tmp_path: Path) -> None:
    log, _ = _open(tmp_path)
    log.append({"event": "a"})
    line = log.path.read_bytes().splitlines(keepends=True)[-1]
    with log.path.open("ab") as fh:
        fh.write(line)
    contents = read_log(log.path)
    assert [r["event"] for r in contents.records] == ["a"]
    assert len(contents.warnings) == 1
    assert "1 record(s) were written twice by a retried write (seq 1)" in contents.warnings[0]


# ---------------------------------------------------------------- failures mid-show


def _failing(monkeypatch: pytest.MonkeyPatch, partial: bool = False) -> None:
    def write_all(fd: int, line: bytes) -> None:
        if partial:
            os.write(fd, line[: len(line) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logmod, "_write_all", write_all)


@pytest.mark.parametrize("partial", [False, True])
def test_a_write_failure_keeps_records_in_memory_and_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, partial: bool
) -> None:
    seen: list[LogHealth] = []
    log, clock = _open(tmp_path, on_health=seen.append)
    log.append({"event": "before"})
    with monkeypatch.context() as patch:
        _failing(patch, partial)
        clock.set(at("10:00"))
        log.append({"event": "during-1"})  # does not raise: the show goes on
        log.append({"event": "during-2"})
        assert not log.health.ok and log.health.pending == 2
        assert "the disk is full" in (log.health.error or "")
        assert "NOT SAVING" in log.health.describe()
        assert not log.retry()
    assert [h.ok for h in seen] == [False]
    clock.set(at("10:02"))
    assert log.retry()
    assert [h.ok for h in seen] == [False, True] and log.health.ok
    log.append({"event": "after"})
    contents = read_log(log.path)
    assert contents.warnings == ()  # a fragment of the failed write was dropped
    assert [r.get("event", r["record"]) for r in contents.records] == [
        "before",
        "during-1",
        "during-2",
        "log_error",
        "after",
    ]
    note = contents.records[3]
    assert datetime.fromisoformat(note["at"]) == at("10:00")
    assert datetime.fromisoformat(note["until"]) == at("10:02")
    assert note["records"] == 2 and "disk is full" in note["error"]


def test_a_failed_fsync_rewrites_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _ = _open(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O")))
        log.append({"event": "a"})
        assert not log.health.ok
    log.append({"event": "b"})
    events = [r.get("event", r["record"]) for r in read_log(log.path).records]
    assert events == ["a", "b", "log_error"]  # the note follows the records it delayed
    lines = log.path.read_bytes().splitlines()
    assert len(lines) == 4  # header, a, b, log_error: the half-acknowledged "a" not doubled


def test_records_that_never_reach_the_disk_are_rescued_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, _ = _open(tmp_path)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _failing(monkeypatch)
    log.append({"event": "lost?"})
    with pytest.raises(LogWriteError, match="saved to") as err:
        log.close()
    rescued = next((tmp_path / "tmp").glob("show.rescued-*.jsonl"))
    assert str(rescued) in str(err.value)
    assert [json.loads(x)["record"] for x in rescued.read_text().splitlines()] == [
        "rescued",  # names the log the next start merges them into
        "event",
        "close",
    ]


# ---------------------------------------------------------------- unwritable places


def _create_at(path: Path) -> AsRunLog:
    prog = webinar()
    clock = ManualClock(at("09:50"))
    header = RunHeader.for_run(
        prog, path, clock=clock, real_clock=clock, mode="live", rehearsal=False
    )
    return AsRunLog.create(path, header, clock=clock, real_clock=clock)


def test_a_log_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "runs"
    blocker.write_text("not a folder")
    path = blocker / "show.jsonl"
    with pytest.raises(LogLocationError) as err:
        _create_at(path)
    message = str(err.value)
    assert str(path) in message and "not a folder" in message and "--log PATH" in message
    assert "nothing was lost" in message
    assert blocker.read_text() == "not a folder"


def test_a_log_in_proc_is_a_clear_error() -> None:
    with pytest.raises(LogLocationError, match=r"cannot write the as-run log /proc/.*--log PATH"):
        _create_at(Path("/proc/timekeeper-test/runs/show.jsonl"))


def test_permission_denied_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores permission bits, so the refusal is simulated where the OS would give it."""

    def refuse(path: object, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(LogLocationError, match=r"permission denied.*--log PATH"):
        _create_at(tmp_path / "runs" / "show.jsonl")
    monkeypatch.undo()
    assert list((tmp_path / "runs").iterdir()) == []  # no half-made run left behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root bypasses permission bits")
def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:  # pragma: no cover
    folder = tmp_path / "runs"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(LogLocationError, match="permission denied"):
            _create_at(folder / "show.jsonl")
    finally:
        folder.chmod(0o700)


def test_an_unwritable_place_when_resuming_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prog = on_disk(seed(), tmp_path)
    rig = Rig(prog, at("15:25"))
    rig.to("15:40")
    before = rig.path.read_bytes()
    real_open = os.open

    def refuse_append(path: object, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_APPEND:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_append)
    rig.crash()
    with pytest.raises(LogLocationError, match=r"read-only.*--log PATH"):
        Rig(prog, at("15:41"), real=rig.real)
    assert rig.path.read_bytes() == before


# ---------------------------------------------------------------- where logs live


def test_default_place_and_name(tmp_path: Path) -> None:
    prog = on_disk(
        programme([slot("a", "10:00", 5)], title="How Artificial Intelligence Fosters Global"),
        tmp_path,
    )
    assert slug(prog.event.title) == "how-artificial-intelligence"
    assert slug("Zoë's Café: ÉÉN!") == "zoe-s-cafe-een"
    assert slug("???") == "event"
    runs = tmp_path / "runs"
    base = "2023-11-20-how-artificial-intelligence"
    assert default_log_path(prog, "live", False) == runs / f"{base}-live.jsonl"
    assert default_log_path(prog, "live", True) == runs / f"{base}-rehearsal.jsonl"
    assert default_log_path(prog, "dress", True) == runs / f"{base}-dress-rehearsal.jsonl"
    assert default_log_path(prog, "dry", True) == runs / f"{base}-dry-rehearsal.jsonl"


def test_default_names_carry_the_venue_and_room(tmp_path: Path) -> None:
    """Rooms imported from one schedule (the room is the event's venue), or run with --venue
    and --room, never share a series; a part the title already ends with is not repeated."""
    long = "31st Chaos Communication Congress"
    one = on_disk(programme([slot("a", "10:00", 5)], title=f"{long} — Saal 1"), tmp_path)
    one = replace(one, event=replace(one.event, venue="Saal 1"))
    two = replace(one, event=replace(one.event, title=f"{long} — Saal 2", venue="Saal 2"))
    names = {default_log_path(p, "dry", True).name for p in (one, two)}
    assert names == {
        "2023-11-20-31st-chaos-communication-saal-1-dry-rehearsal.jsonl",
        "2023-11-20-31st-chaos-communication-saal-2-dry-rehearsal.jsonl",
    }
    short = replace(one, event=replace(one.event, title="Camp — Saal 1"))
    assert default_log_path(short, "live", False).name == "2023-11-20-camp-saal-1-live.jsonl"
    room = default_log_path(short, "live", False, venue="ACME Centre", room="Hall B").name
    assert room == "2023-11-20-camp-saal-1-acme-centre-hall-b-live.jsonl"
