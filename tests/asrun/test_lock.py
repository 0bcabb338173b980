"""One show, one driver: the as-run log's lock (refusal, release, a crash leaves nothing stale).

The two-process test against real OBS is tests/e2e/test_one_driver.py.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.asrun.rig import Rig, on_disk
from tests.factories import at, seed
from timekeeper.asrun import LogInUseError, read_log
from timekeeper.asrun.lock import LogLock, lock_path


def test_a_second_run_of_the_same_log_is_refused_naming_the_holder(tmp_path: Path) -> None:
    prog = on_disk(seed(), tmp_path)
    first = Rig(prog, at("15:25"))
    first.to("15:40")
    before = first.path.read_bytes()
    with pytest.raises(LogInUseError) as refused:
        Rig(prog, at("15:41"), real=first.real)
    message = str(refused.value)
    assert f"PID {os.getpid()} on host {socket.gethostname()}" in message
    assert str(first.path) in message and "quit that run first" in message
    assert "\n" not in message
    assert refused.value.exit_code == 2
    assert first.path.read_bytes() == before  # nothing appended, not even a resume record
    first.obs("obs_connected")  # the holder goes on logging
    assert len(first.path.read_bytes()) > len(before)


def test_a_clean_close_releases_the_log_and_removes_the_lock_file(tmp_path: Path) -> None:
    prog = on_disk(seed(), tmp_path)
    first = Rig(prog, at("15:25"))
    first.to("15:40")
    assert lock_path(first.path).exists()
    first.run.log.close()
    assert not lock_path(first.path).exists()
    second = Rig(prog, at("15:41"), real=first.real)
    assert second.run.resumed is not None and second.run.log.lock is not None
    assert read_log(second.path).header is not None


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    code = (
        "import sys, time; from pathlib import Path; from timekeeper.asrun.lock import LogLock; "
        "LogLock.acquire(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(log)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LogInUseError, match=f"PID {holder.pid} on host"):
            LogLock.acquire(log)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
    assert json.loads(lock_path(log).read_text())["pid"] == holder.pid  # the file stays ...
    lock = LogLock.acquire(log)  # ... but the lock died with the process
    try:
        assert json.loads(lock_path(log).read_text())["pid"] == os.getpid()
    finally:
        lock.release()


def test_an_unreadable_lock_note_still_refuses_with_a_message(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    lock = LogLock.acquire(log)
    try:
        lock_path(log).write_text("garbage")
        with pytest.raises(LogInUseError, match="in use by a running timekeeper: another process"):
            LogLock.acquire(log)
    finally:
        lock.release()
