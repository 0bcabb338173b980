"""OBS failing around a LIVE run: wrong password, nothing listening, a missing scene.

The show keeps its time whatever OBS does; `timekeeper check --obs` says why
OBS is not usable, and never prints the password.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.obs.headless import free_port
from timekeeper.core.clock import SystemClock

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from .runner import Run, cli, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs
CLOCK = SystemClock()


def short_show(path: Path, url: str) -> ProgrammeFile:
    return write_programme(
        path,
        url,
        [
            SlotSpec("Opening", 1, "Intro", on_start=["start_recording"]),
            SlotSpec("Talk", 1, "Keynote"),
            SlotSpec("Closing", 1, "Closing", on_end=["stop_recording"]),
        ],
        lead=2,
    )


def run_to_the_end(programme: ProgrammeFile, log: Path, env: dict[str, str]) -> Run:
    run = Run(run_argv(programme.path, log), env)
    try:
        assert run.finish(timeout=programme.seconds_until(programme.end) + 20) == 0, run.stderr
    finally:
        run.close()
    return run


def assert_kept_time(run: Run, programme: ProgrammeFile) -> None:
    """Every slot started and ended at its planned instant, and the show ended."""
    started = run.of("slot_started")
    assert [s["slot"] for s in started] == [p.id for p in programme.slots]
    assert [datetime.fromisoformat(s["at"]) for s in started] == [p.start for p in programme.slots]
    [ended] = run.of("show_ended")
    assert datetime.fromisoformat(ended["at"]) == programme.end
    assert "Traceback" not in run.stderr


def test_wrong_password_keeps_time_and_never_shows_the_password(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    programme = short_show(tmp_path / "programme.yaml", obs.url)
    wrong = "wrong-" + secrets.token_urlsafe(12)
    env = environment({PASSWORD_ENV: wrong})
    log = tmp_path / "run.jsonl"
    run = run_to_the_end(programme, log, env)
    assert_kept_time(run, programme)
    failed = run.of("obs_auth_failed")
    assert failed, run.kinds()
    assert PASSWORD_ENV in failed[0]["error"]
    assert not run.of("obs_connected") and not run.of("scene_switch_confirmed")
    texts = [run.text(), log.read_text(encoding="utf-8")]
    for secret in (wrong, obs.password):
        assert not any(secret in text for text in texts)
    assert any(r.get("event") == "obs_auth_failed" for r in read_jsonl(log))
    # OBS was left alone
    assert obs.program_scene() == "Holding"
    assert obs.new_recordings() == [] and obs.record_starts() == 0

    check = cli("check", str(programme.path), "--obs", env=env)
    assert check.returncode == 2, check.stdout + check.stderr
    output = check.stdout + check.stderr
    assert "rejected the password" in output and PASSWORD_ENV in output, output
    assert wrong not in output and obs.password not in output
    assert "Traceback" not in output


def test_dead_obs_keeps_time_and_check_says_nothing_answers(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    programme = short_show(tmp_path / "programme.yaml", url)
    env = environment({PASSWORD_ENV: "unused-" + secrets.token_urlsafe(8)})
    log = tmp_path / "run.jsonl"
    run = run_to_the_end(programme, log, env)
    assert_kept_time(run, programme)
    failed = run.of("obs_connect_failed")
    assert failed and "nothing answers" in failed[0]["error"], run.kinds()
    # it keeps trying with backoff: the as-run log has every attempt; stdout has the first
    # and, as the run ends, one line that sums them up (not one line per attempt)
    attempts = [r["attempt"] for r in read_jsonl(log) if r.get("event") == "obs_connect_failed"]
    assert attempts[:3] == [1, 2, 3]
    assert len(failed) == 1
    [summary] = run.of("repeated", of="obs_connect_failed")
    assert summary["count"] == len(attempts)
    assert f"OBS unreachable {summary['first_at'][11:19]}–" in summary["message"]
    assert f", {len(attempts)} attempts: " in summary["message"]
    assert not run.of("obs_connected")
    assert run.of("action_queued"), "start_recording waits for OBS, it is not dropped"

    check = cli("check", str(programme.path), "--obs", env=env)
    output = check.stdout + check.stderr
    assert check.returncode == 2, output
    assert "nothing answers" in output and url in output, output
    assert "Traceback" not in output


def test_missing_scene_is_reported_not_retried_and_the_rest_switches(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    programme = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [
            SlotSpec("Opening", 1, "Intro"),
            SlotSpec("Keynote", 2.5, "Keynot"),  # a typo: OBS has "Keynote"
            SlotSpec("Panel", 1, "Panel"),
        ],
        lead=2,
    )
    env = environment({PASSWORD_ENV: obs.password})
    run = run_to_the_end(programme, tmp_path / "run.jsonl", env)
    assert_kept_time(run, programme)
    [preflight] = run.of("obs_preflight")
    assert preflight["ok"] is False and preflight["reachable"] is True
    [missing] = preflight["missing"]
    assert "'Keynot'" in missing and "did you mean 'Keynote'" in missing, missing
    [failed] = run.of("scene_switch_failed")
    assert failed["scene"] == "Keynot" and failed["code"] == 600
    assert failed["will_retry"] is False
    assert [r["scene"] for r in run.of("scene_switch_requested")] == ["Intro", "Keynot", "Panel"]
    assert [c["scene"] for c in run.of("scene_switch_confirmed")] == ["Intro", "Panel"]
    assert obs.program_scene() == "Panel"

    check = cli("check", str(programme.path), "--obs", env=env)
    output = check.stdout + check.stderr
    assert check.returncode == 2, output
    assert "MISSING  scene 'Keynot'" in output and "did you mean 'Keynote'" in output, output


def test_obs_killed_and_restarted_is_back_within_a_second_of_being_ready(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    """Whatever the backoff has grown to, timekeeper reconnects and re-reads OBS ≤ 1 s after
    OBS's first Hello (measured conservatively, see HeadlessObs.wait_hello)."""
    programme = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [SlotSpec("Opening", 16, "Intro"), SlotSpec("Talk", 2, "Keynote")],
        lead=2.5,
        title="OBS restart e2e",
    )
    env = environment({PASSWORD_ENV: obs.password})
    log = tmp_path / "live.jsonl"
    run = Run(run_argv(programme.path, log), env)
    try:
        run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Intro",
            timeout=15,
        )
        obs.obs.kill_obs()
        i, _ = run.wait_for("obs_disconnected", timeout=5)
        time.sleep(3.5)  # OBS stays down while the backoff grows (0.5, 1, 2 s, ...)
        with ThreadPoolExecutor(1) as pool:
            hello = pool.submit(obs.obs.wait_hello)
            obs.obs.start_obs()
            ready = hello.result(timeout=60)
        j, connected = run.wait_for("obs_connected", timeout=10, after=i)
        assert CLOCK.now() < programme.slots[1].start, "reconnected too late for this test"
        assert run.finish(timeout=programme.seconds_until(programme.end) + 20) == 0, run.stderr
    finally:
        run.close()
    back = (datetime.fromisoformat(connected["at"]) - ready).total_seconds()
    failures = [
        r
        for r in read_jsonl(log)
        if r.get("event") == "obs_connect_failed" and datetime.fromisoformat(str(r["at"])) < ready
    ]
    print(f"\ntimekeeper connected {back:.3f} s after OBS was ready ({len(failures)} failed tries)")
    assert back <= 1.0
    # the backoff had grown past a second: the probe, not the backoff, found OBS
    last = failures[-1]
    assert last["retry_in"] >= 1.0
    next_try = datetime.fromisoformat(str(last["at"])) + timedelta(seconds=last["retry_in"])
    assert back < (next_try - ready).total_seconds()
    assert connected["program_scene"] is not None
    # the Keynote's boundary switch goes to an OBS that has just started: its first request may
    # be refused while OBS settles and confirmed by the retry; either way it is on program
    switched = [
        c["scene"]
        for c in run.of("scene_switch_confirmed")
        if c.get("reason") in ("boundary", "retry")
    ]
    assert switched == ["Intro", "Keynote"], run.of("scene_switch_confirmed")
    assert obs.program_scene() == "Keynote"


def test_a_scene_renamed_mid_show_is_flagged_before_its_boundary(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    programme = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [
            SlotSpec("Opening", 5, "Intro"),
            SlotSpec("Talk", 2, "Keynote"),
            SlotSpec("Closing", 1, "Closing"),
        ],
        lead=2.5,
        title="OBS rename e2e",
    )
    env = environment({PASSWORD_ENV: obs.password})
    run = Run(run_argv(programme.path, tmp_path / "live.jsonl"), env)
    renamed = False
    try:
        run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Intro",
            timeout=15,
        )
        obs.obs.request("SetSceneName", {"sceneName": "Keynote", "newSceneName": "Keynote (main)"})
        renamed = True
        _, missing = run.wait_for("scene_missing", timeout=3)
        assert datetime.fromisoformat(missing["at"]) < programme.slots[1].start
        assert missing["scene"] == "Keynote" and missing["slots"] == ["s2"]
        assert missing["cause"] == "renamed" and missing["suggestion"] == "Keynote (main)"
        assert "renamed to 'Keynote (main)'" in missing["message"]
        assert run.finish(timeout=programme.seconds_until(programme.end) + 20) == 0, run.stderr
    finally:
        run.close()
        if renamed:
            obs.obs.request(
                "SetSceneName", {"sceneName": "Keynote (main)", "newSceneName": "Keynote"}
            )
    assert len(run.of("scene_missing")) == 1  # said once, not at every change of the list
    [failed] = run.of("scene_switch_failed")
    assert failed["scene"] == "Keynote" and failed["code"] == 600
    assert obs.program_scene() == "Closing"
