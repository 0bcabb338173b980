"""A real headless run: the keynote runs 7 minutes over, the running-late proposal is accepted
through the control API with `confirm`, and the speaker screens' `/state` carries the new turn
budgets — also after a restart (docs/running-late.md)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.control.client import ROOT, Run, env, free_port, running, timekeeper
from timekeeper.speaker.protocol import compute_display, parse_snapshot

PANEL_TURNS = [180.0] + [300.0] * 6  # the opening is untouched; each panellist 6:00 -> 5:00


def state(run: Run) -> dict[str, Any]:
    answer = run.request("GET", "/state", token=None)
    assert answer.status == 200, answer
    return answer.body


def wait_for(run: Run, check: Any, what: str) -> Any:
    """Poll the run until `check()` gives something (the run's clock moves on its own)."""
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_proposal_accepted_over_http_changes_the_turn_budgets_durably(tmp_path: Path) -> None:
    with running(tmp_path, "--at", "16:08") as run:
        assert run.act("accept-proposal", {"confirm": True}).status == 409  # on time: none
        assert run.act("extend", {"minutes": 7}).status == 200  # the keynote runs over
        asked = run.act("accept-proposal")
        assert asked.status == 428
        assert "Panel discussion: turns 6:00 → 5:00 (−6:00)" in asked.body["error"]
        assert "Q&A with the participants 20:00 → 19:00 (−1:00)" in asked.body["error"]
        done = run.act("accept-proposal", {"confirm": True})
        assert done.status == 200, done.body
        assert "Reception stays at 17:30" in done.body["result"]
        assert run.act("accept-proposal", {"confirm": True}).status == 409  # it is met now
        assert run.act("jump", {"slot": "panel", "confirm": True}).status == 200
        assert run.act("turn").status == 200  # Beryl ter Haar speaks
        now = state(run)
        turn = now["turn"]["countdown"]
        length = _seconds(turn["deadline"]) - _seconds(turn["start"])
        assert now["turn"]["speaker"] == "Beryl ter Haar" and length == 300
        assert now["next_turn"] == {"index": 2, "speaker": "Tatiana Llaguno Nieves", "seconds": 300}
        snap = parse_snapshot(now)  # what a speaker screen reads from it
        shown = compute_display(snap, snap.show_time, snap.show_time)
        assert shown.next == "Next: Tatiana Llaguno Nieves, 5:00"
        out, _err = run.stop()
        log_path = run.as_run_log()

    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    revision = next(r for r in records if r.get("record") == "revision")
    assert revision["by"] == "api:deck"
    lengths = revision["proposal"]["lengths"]
    panel_turns = [item["seconds"] for item in lengths if item["slot"] == "panel" and item["turn"]]
    assert panel_turns == PANEL_TURNS[1:]
    accepted = [json.loads(line) for line in out.splitlines() if '"proposal_accepted"' in line]
    assert accepted and accepted[0]["by"] == "api:deck"

    # the report: who accepted what, and per slot and turn planned, proposed and actual
    report = timekeeper("report", str(log_path))
    assert report.returncode == 0, report.stderr
    md = report.stdout
    assert "## Running late" in md
    assert "proposal accepted by api:deck: Panel discussion: turns 6:00 → 5:00 (−6:00)" in md
    assert "| Panel discussion | 1:00:00 | 54:00 |" in md
    assert "| Panel discussion: Beryl ter Haar | 6:00 | 5:00 |" in md
    assert "| Q&A with the participants | 20:00 | 19:00 | — |" in md

    # a restart replays the accepted proposal from the log: the budgets stay
    with resumed(tmp_path) as again:
        now = state(again)
        assert now["turn"]["speaker"] == "Beryl ter Haar"
        assert now["next_turn"] == {"index": 2, "speaker": "Tatiana Llaguno Nieves", "seconds": 300}
        out, _err = again.stop()
    notes = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [n["event"] for n in notes if n["event"] in ("resumed", "as_run_log")] == ["resumed"]


@contextmanager
def resumed(logs: Path) -> Iterator[Run]:
    """The same run started again without --at: it resumes from its as-run log."""
    port, osc = free_port(), free_port(socket.SOCK_DGRAM)
    proc = subprocess.Popen(
        [sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--dry-run",
         "--headless", "--control", "--port", str(port), "--osc", str(osc),
         "--obs-url", f"ws://127.0.0.1:{free_port()}", "--log", str(logs)],
        cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    run = Run(proc, port, osc, logs)
    try:
        wait_for(run, lambda: _up(run), "the resumed run's control API")
        yield run
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def _up(run: Run) -> bool:
    if run.proc.poll() is not None:
        raise AssertionError(f"the run exited: {run.proc.stderr.read() if run.proc.stderr else ''}")
    try:
        return run.request("GET", "/api/openapi.json").status == 200
    except OSError:
        return False


def _seconds(instant: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(instant).timestamp()
