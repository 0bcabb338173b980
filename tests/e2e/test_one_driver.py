"""One show, one driver, end to end: a second `timekeeper run` of a log in use is refused.

Two real processes: a headless dry run holds its as-run log (connected to the
real OBS); the same command started again must refuse at once with exit 2 and
one line naming the PID and host of the first, appending nothing. `report`
still reads the log while it is held. Once the first run is SIGKILLed the lock
is gone with it: the same command resumes the run.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, SlotSpec, write_programme
from .runner import Run, cli, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs


def test_a_second_run_of_a_log_in_use_is_refused_and_appends_nothing(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    prog = write_programme(
        tmp_path / "show.yaml",
        obs.url,
        [SlotSpec("Opening", 60, "Intro"), SlotSpec("Talk", 60, "Keynote")],
        lead=1,
    )
    env = environment({PASSWORD_ENV: obs.password})
    logs = tmp_path / "runs"
    logs.mkdir()
    argv = run_argv(prog.path, logs, "--dry-run")
    first = Run(argv, env)
    try:
        _, announced = first.wait_for("as_run_log", timeout=30)
        first.wait_for("obs_connected", timeout=30)
        log = Path(announced["path"])
        before = log.read_bytes()
        began = time.monotonic()
        second = cli(*argv[3:], env=env)  # the very same command line
        took = time.monotonic() - began
        assert second.returncode == 2, second.stdout + second.stderr
        message = second.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert f"PID {first.pid}" in message and socket.gethostname() in message
        assert str(log) in message and "quit that run first" in message
        assert "Traceback" not in message and second.stdout == ""
        after = log.read_bytes()
        assert after.startswith(before)  # the first run goes on writing; the second wrote nothing:
        added = read_jsonl(log)[len(before.splitlines()) :]
        assert not [r for r in added if r.get("record") in ("resume", "run")]
        seqs = [r["seq"] for r in read_jsonl(log)]
        assert seqs == list(range(len(seqs)))  # one writer: no duplicate, no gap
        assert took < 10, f"refused after {took:.1f} s"
        print(f"\nsecond run refused in {took:.2f} s: {message}")

        report = cli("report", str(log), env=env)  # reading needs no lock
        assert report.returncode == 0, report.stderr
        assert "E2E show" in report.stdout
    finally:
        first.kill()  # SIGKILL: the lock dies with the process

    assert (logs / (log.name + ".lock")).exists()  # the file may stay; the lock does not
    third = Run(argv, env)
    try:
        third.wait_for("resumed", timeout=30)
        third.wait_for("obs_connected", timeout=30)
    finally:
        third.close()
    kinds = [r.get("record") for r in read_jsonl(log)]
    assert "resume" in kinds


def test_a_live_run_with_the_same_log_file_is_refused_before_anything_else(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    """Whatever the second run is (here the live show on a dry run's file), the lock comes
    first: it names the holder rather than arguing about the kind of run."""
    prog = write_programme(tmp_path / "show.yaml", obs.url, [SlotSpec("Opening", 60, "Intro")])
    env = environment({PASSWORD_ENV: obs.password})
    log = tmp_path / "show.jsonl"
    first = Run(run_argv(prog.path, log, "--dry-run"), env)
    try:
        first.wait_for("as_run_log", timeout=30)
        second = cli("run", str(prog.path), "--headless", "--port", "0", "--log", str(log), env=env)
        assert second.returncode == 2
        assert f"PID {first.pid}" in second.stderr and "in use" in second.stderr
        assert "rehearsal" not in second.stderr  # not the kind-of-run mismatch
        records = read_jsonl(log)
        assert [r["seq"] for r in records] == list(range(len(records)))
        assert not [r for r in records if r.get("record") == "resume"]
    finally:
        first.close()


def test_two_runs_on_one_obs_each_warn_of_the_other_and_log_it(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    """Not the same log (each its own --log), but the same OBS: both say so, and log it."""
    prog = write_programme(tmp_path / "show.yaml", obs.url, [SlotSpec("Opening", 60, "Intro")])
    env = environment({PASSWORD_ENV: obs.password})
    first = Run(run_argv(prog.path, tmp_path / "a.jsonl"), env)
    second: Run | None = None
    try:
        first.wait_for("obs_connected", timeout=30)
        second = Run(run_argv(prog.path, tmp_path / "b.jsonl"), env)
        _, seen_by_second = second.wait_for("other_timekeeper", timeout=30)
        _, seen_by_first = first.wait_for("other_timekeeper", timeout=30)
        assert seen_by_second["pid"] == first.pid and seen_by_first["pid"] == second.pid
        host = socket.gethostname()
        assert f"another timekeeper ({host}, {first.pid}) drives this OBS" in str(
            seen_by_second["message"]
        )
    finally:
        first.close()
        if second is not None:
            second.close()
    logged = [r for r in read_jsonl(tmp_path / "a.jsonl") if r.get("event") == "other_timekeeper"]
    assert second is not None and [r["pid"] for r in logged] == [second.pid]
