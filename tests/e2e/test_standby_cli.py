"""The standby pair as operators run it (issue 24): two `timekeeper run` processes, a real
mosquitto and a real headless OBS.

- the primary SIGKILLed 0.2 s before a boundary: the standby drives within the takeover
  delay plus a margin, the boundary's scene is on program once, the recording started
  once, and the standby's log continues the primary's sequence (the primary's log is its
  prefix, byte for byte);
- the room's status is then published by the new driver (speaker screens follow it);
- the killed primary restarted with the same command: it hears epoch 2 and stands by;
- the primary SIGSTOPped for 5 s: the standby takes over, and the primary, continued,
  stands by and switches nothing;
- no `--standby` and no room: nothing of the pair runs, no broker is needed (the other e2e
  tests run that way).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.rooms.broker import Broker, Listener, free_port, mosquitto_missing_reason
from timekeeper.core.clock import SystemClock

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from .runner import Line, Run, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs
ROOM = ("--room", "Room B")
DELAY = 0.75  # the default --takeover-delay
MARGIN = 2.0  # a loaded 2-core machine: the announcement period, the loop, OBS's round trip


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    reason = mosquitto_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    b = Broker(tmp_path / "broker")
    b.start()
    try:
        yield b
    finally:
        b.stop()


def pair_runs(
    tmp_path: Path, obs: ObsUnderTest, broker: Broker, slots: list[SlotSpec], lead: float
) -> tuple[Run, Run, Path, Path, ProgrammeFile]:
    programme = write_programme(tmp_path / "programme.yaml", obs.url, slots, lead=lead)
    env = environment({PASSWORD_ENV: obs.password})
    log_a, log_b = tmp_path / "a" / "live.jsonl", tmp_path / "b" / "live.jsonl"
    log_a.parent.mkdir()
    log_b.parent.mkdir()
    mqtt = ("--mqtt", broker.url, *ROOM)
    primary = Run(run_argv(programme.path, log_a, *mqtt), env)
    primary.wait_for(lambda ln: ln.get("event") == "pair" and ln["role"] == "driver", timeout=20)
    standby = Run(run_argv(programme.path, log_b, *mqtt, "--standby"), env)
    return primary, standby, log_a, log_b, programme


async def room_after(broker: Broker, instant: datetime) -> tuple[dict[str, Any], bytes]:
    """The room's status published after `instant` (by whom drives now), and its `online`."""

    def fresh(payload: bytes) -> bool:
        return datetime.fromisoformat(json.loads(payload)["sent_at"]) > instant

    async with Listener(broker.port) as room:
        _, status, _ = await room.wait_for("/status", fresh, timeout=10)
        _, online, _ = await room.wait_for("/online", timeout=10)
    return json.loads(status), online


def primary_env(obs: ObsUnderTest) -> dict[str, str]:
    return environment({PASSWORD_ENV: obs.password})


def following(line: Line) -> bool:
    return (
        line.get("event") == "pair"
        and line["role"] == "standby"
        and line["verdict"] == "follow"
        and "alive on OBS and the broker" in line["message"]
    )


def seqs(path: Path) -> list[int]:
    return [r["seq"] for r in read_jsonl(path) if "seq" in r]


def test_a_killed_primary_is_taken_over_within_the_delay_and_nothing_is_done_twice(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    slots = [
        SlotSpec("Opening", 9, "Intro", on_start=["start_recording"]),
        SlotSpec("Keynote", 12, "Keynote"),
        SlotSpec("Closing", 2, "Closing", on_end=["stop_recording"]),
    ]
    primary, standby, log_a, log_b, programme = pair_runs(tmp_path, obs, broker, slots, 3.0)
    try:
        standby.wait_for(following, timeout=20, what="the standby following, no lag")
        primary.wait_for("scene_switch_confirmed", timeout=20)
        keynote = programme.slots[1].start
        left = programme.seconds_until(keynote) - 0.2
        assert left > 0, "the pair took too long to start: the boundary has passed"
        time.sleep(left)
        primary.kill()
        killed, died = time.monotonic(), SystemClock().now()
        before = log_a.read_bytes()  # the primary's log as it died
        _, taken = standby.wait_for("taken_over", timeout=DELAY + MARGIN + 10)
        took = time.monotonic() - killed
        assert taken["epoch"] == 2
        assert took <= DELAY + MARGIN, f"took over {took:.2f} s after the kill"
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=10,
        )
        assert obs.program_scene() == "Keynote"
        # the room is published from the new driver: speaker screens follow it by themselves
        status, online = asyncio.run(room_after(broker, died))
        assert status["live"] is not None and online == b"true"
        # the primary restarted with the same command resumes its log at epoch 1, hears
        # epoch 2 and stands by before it changes anything; its log is set aside whole
        again = Run(primary.argv, primary_env(obs))
        try:
            _, stood = again.wait_for("standing_by", timeout=20)
            assert stood["epoch"] == 2 and stood["set_aside"]
            sent = [c for c in again.of("scene_switch_confirmed") if not c.get("already")]
            assert sent == [] and again.of("action_done") == []  # ("already": nothing sent)
            assert Path(stood["set_aside"]).exists()
        finally:
            again.close()
        standby.finish(timeout=30)  # the show ends on the new driver
        assert obs.record_starts() == 1  # the primary's, never again
        assert not obs.recording_settled()
        b = log_b.read_bytes()
        kept = before[: before.rfind(b"\n") + 1]
        assert b.startswith(kept), "the standby's log does not continue the primary's"
        numbers = seqs(log_b)
        assert numbers == list(range(len(numbers)))
        driving = [r for r in read_jsonl(log_b) if r.get("event") == "driving"]
        assert [d["epoch"] for d in driving] == [1, 2]
        switched = [
            r
            for r in read_jsonl(log_b)
            if r.get("event") == "scene_switch_confirmed" and r["scene"] == "Keynote"
        ]
        assert len(switched) == 1
        print(f"takeover {took:.2f} s after the SIGKILL")
    finally:
        primary.close()
        standby.close()


def test_a_frozen_primary_stands_by_when_it_runs_again_and_switches_nothing(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    slots = [
        SlotSpec("Opening", 9, "Intro"),
        SlotSpec("Keynote", 8, "Keynote"),
        SlotSpec("Closing", 3, "Closing"),
    ]
    primary, standby, _, log_b, programme = pair_runs(tmp_path, obs, broker, slots, 3.0)
    try:
        standby.wait_for(following, timeout=20, what="the standby following, no lag")
        primary.wait_for("scene_switch_confirmed", timeout=20)
        left = programme.seconds_until(programme.slots[1].start) - 2.0
        assert left > 0, "the pair took too long to start: the boundary is too near"
        time.sleep(left)  # frozen 2 s before the boundary, for 5 s: it passes in the freeze
        os.kill(primary.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        try:
            _, taken = standby.wait_for("taken_over", timeout=DELAY + MARGIN + 5)
            assert taken["epoch"] == 2
            time.sleep(max(0.0, stopped + 5 - time.monotonic()))
        finally:
            os.kill(primary.pid, signal.SIGCONT)
        mark = len(primary.lines)
        primary.wait_for("standing_by", timeout=10, after=mark)
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=10,
        )
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Closing",
            timeout=30,
        )
        time.sleep(0.5)
        after = primary.lines[mark:]
        # (a `scene_switch_requested` record may come first: the request then waits for the
        # lease, hears epoch 2, and is never sent; a switch sent would be confirmed)
        sent = [ln for ln in after if ln.get("event") in ("scene_switch_confirmed", "action_done")]
        assert sent == [], [(ln.get("event"), ln.get("message")) for ln in after]
        assert obs.program_scene() == "Closing"
        driving = [r for r in read_jsonl(log_b) if r.get("event") == "driving"]
        assert [d["epoch"] for d in driving] == [1, 2]
    finally:
        primary.close()
        standby.close()


TOKEN = "test-token-0123456789-abcdefghijklmnop"


def post(port: int, action: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    """POST /api/actions/<action> to a run's control API (authorised)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/actions/{action}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_a_planned_handover_moves_the_show_with_no_gap_and_nothing_twice(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    slots = [
        SlotSpec("Opening", 8, "Intro", on_start=["start_recording"]),
        SlotSpec("Keynote", 6, "Keynote"),
        SlotSpec("Closing", 2, "Closing", on_end=["stop_recording"]),
    ]
    programme = write_programme(tmp_path / "programme.yaml", obs.url, slots, lead=3.0)
    env = environment({PASSWORD_ENV: obs.password, "TIMEKEEPER_CONTROL_TOKEN": TOKEN})
    log_a, log_b = tmp_path / "a" / "live.jsonl", tmp_path / "b" / "live.jsonl"
    port_a, port_b = free_port(), free_port()
    mqtt = ("--mqtt", broker.url, *ROOM)
    control = ("--control", "--port")  # (the last --port wins over run_argv's 0)
    log_a.parent.mkdir()
    log_b.parent.mkdir()
    primary = Run(run_argv(programme.path, log_a, *mqtt, *control, str(port_a)), env)
    standby = Run(
        run_argv(programme.path, log_b, *mqtt, "--standby", "armed", *control, str(port_b)), env
    )
    try:
        standby.wait_for(following, timeout=20, what="the standby following")
        primary.wait_for("scene_switch_confirmed", timeout=20)
        status, said = post(port_b, "take-over", {"confirm": True})
        assert status == 409 and "alive" in str(said), (status, said)  # armed, driver alive
        status, said = post(port_b, "next", {"confirm": True})
        assert status == 409 and "stands by" in str(said), (status, said)  # read-only
        status, said = post(port_a, "hand-over", {})
        assert status == 428, (status, said)  # confirmed like any disruptive action
        status, said = post(port_a, "hand-over", {"confirm": True})
        assert status == 200, (status, said)
        _, asked = primary.wait_for("handover", timeout=10)
        _, taken = standby.wait_for("taken_over", timeout=10)
        assert taken["epoch"] == 2 and "planned" in taken["reason"]
        _, stood = primary.wait_for("standing_by", timeout=10)
        assert stood["epoch"] == 2
        mark = len(primary.lines)
        primary.wait_for(following, timeout=10, after=mark)  # the new driver's standby now
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=20,
        )
        standby.finish(timeout=30)
        after = primary.lines[mark:]
        sent = [ln for ln in after if ln.get("event") in ("scene_switch_confirmed", "action_done")]
        assert sent == [], sent
        assert obs.record_starts() == 1
        [kept] = [p for p in log_a.parent.glob("live*.jsonl") if "fenced-epoch-2" in p.name]
        upto = asked["seq"]  # the old driver's log, set aside whole: the new one continues it

        def lines(path: Path) -> list[bytes]:
            return [ln for ln in path.read_bytes().splitlines() if json.loads(ln)["seq"] <= upto]

        assert lines(log_b) == lines(kept)
        numbers = seqs(log_b)
        assert numbers == list(range(len(numbers)))
    finally:
        primary.close()
        standby.close()


def test_an_armed_standby_asks_and_its_operators_call_takes_over(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    slots = [SlotSpec("Opening", 6, "Intro"), SlotSpec("Keynote", 6, "Keynote")]
    programme = write_programme(tmp_path / "programme.yaml", obs.url, slots, lead=2.0)
    env = environment({PASSWORD_ENV: obs.password, "TIMEKEEPER_CONTROL_TOKEN": TOKEN})
    log_a, log_b = tmp_path / "a" / "live.jsonl", tmp_path / "b" / "live.jsonl"
    log_a.parent.mkdir()
    log_b.parent.mkdir()
    mqtt, port_b = ("--mqtt", broker.url, *ROOM), free_port()
    primary = Run(run_argv(programme.path, log_a, *mqtt), env)
    standby = Run(
        run_argv(programme.path, log_b, *mqtt, "--standby", "armed", "--control", "--port",
                 str(port_b)),
        env,
    )  # fmt: skip
    try:
        standby.wait_for(following, timeout=20, what="the standby following")
        primary.kill()
        _, asked = standby.wait_for(
            lambda ln: ln.get("event") == "pair" and ln["verdict"] == "ask", timeout=10
        )
        assert "press the key" in asked["message"]
        time.sleep(1.0)
        assert standby.of("taken_over") == []  # armed: never by itself
        status, said = post(port_b, "take-over", {"confirm": True})
        assert status == 200, (status, said)
        _, taken = standby.wait_for("taken_over", timeout=10)
        assert taken["epoch"] == 2
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=20,
        )
    finally:
        primary.close()
        standby.close()


def test_a_primary_that_cannot_reach_obs_hands_the_show_to_a_standby_that_can(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    slots = [SlotSpec("Opening", 6, "Intro"), SlotSpec("Keynote", 8, "Keynote")]
    programme = write_programme(tmp_path / "programme.yaml", obs.url, slots, lead=2.0)
    env = environment({PASSWORD_ENV: obs.password})
    log_a, log_b = tmp_path / "a" / "live.jsonl", tmp_path / "b" / "live.jsonl"
    log_a.parent.mkdir()
    log_b.parent.mkdir()
    mqtt = ("--mqtt", broker.url, *ROOM)
    nowhere = ("--obs-url", f"ws://127.0.0.1:{free_port()}")  # the primary's OBS is gone
    primary = Run(run_argv(programme.path, log_a, *mqtt, *nowhere), env)
    standby = Run(run_argv(programme.path, log_b, *mqtt, "--standby"), env)
    try:
        _, asked = primary.wait_for("handover", timeout=20)
        assert asked["reason"] == "lost_obs"
        _, taken = standby.wait_for("taken_over", timeout=10)
        assert taken["epoch"] == 2 and "lost_obs" in taken["reason"]
        primary.wait_for("standing_by", timeout=10)
        standby.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=20,
        )
        assert obs.program_scene() == "Keynote"
    finally:
        primary.close()
        standby.close()


def test_after_a_takeover_an_edit_of_the_programme_is_accepted_and_logged(
    obs: ObsUnderTest, broker: Broker, tmp_path: Path
) -> None:
    """Laptop B drives after a takeover; its operator edits the programme (a title): with
    `--accept-changes` the run accepts it and the revision is in B's log — the log B drives
    now, the copy resumed. (Before, a standby had no programme watch, and its revisions and
    OBS commands were written nowhere: it had no log of its own.)"""
    slots = [SlotSpec("Opening", 6, "Intro"), SlotSpec("The keynote", 40, "Keynote")]
    programme = write_programme(tmp_path / "programme.yaml", obs.url, slots, lead=3.0)
    env = environment({PASSWORD_ENV: obs.password})
    log_a, log_b = tmp_path / "a" / "live.jsonl", tmp_path / "b" / "live.jsonl"
    log_a.parent.mkdir()
    log_b.parent.mkdir()
    mqtt = ("--mqtt", broker.url, *ROOM, "--accept-changes")
    primary = Run(run_argv(programme.path, log_a, *mqtt), env)
    standby: Run | None = None
    try:
        primary.wait_for(lambda ln: ln.get("event") == "pair" and ln["role"] == "driver",
                         timeout=20)  # fmt: skip
        standby = Run(run_argv(programme.path, log_b, *mqtt, "--standby"), env)
        standby.wait_for(following, timeout=20, what="the standby following, no lag")
        primary.wait_for("slot_started", timeout=20)
        primary.kill()
        standby.wait_for("taken_over", timeout=DELAY + MARGIN + 10)
        text = programme.path.read_text(encoding="utf-8")
        moved = text.replace("title: The keynote", "title: The keynote, moved")
        assert moved != text
        programme.path.write_text(moved, encoding="utf-8")
        _, changed = standby.wait_for("programme_changed", timeout=20)
        assert changed["by"] == "accept-changes"
        revisions = [r for r in read_jsonl(log_b) if r.get("record") == "revision"]
        assert [r["by"] for r in revisions] == ["accept-changes"]
    finally:
        primary.close()
        if standby is not None:
            standby.close()
