"""`timekeeper run --headless --accept-changes` with programme.yaml edited, killed, resumed."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from timekeeper.asrun.log import read_log

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "programme.yaml").read_text(encoding="utf-8")
LONGER = SEED.replace(
    'start: "15:35"\n    duration: 35m', 'start: "15:35"\n    duration: 40m'
).replace('start: "16:10"\n    duration: 1h', "duration: 55m")
SWAPPED = LONGER.replace("Seonok Lee", "Ada Lovelace")
INVALID = SWAPPED.replace("duration: 55m", "duration: soon")


class Run:
    def __init__(self, folder: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--dry-run",
             "--headless", "--port", "0", *args],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        self.lines: list[dict[str, Any]] = []

    def until(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        """Read JSON lines until one names `event` (a deadline, not a sleep)."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if not ready:
                continue
            raw = self.proc.stdout.readline()
            if not raw:
                break
            line: dict[str, Any] = json.loads(raw)
            self.lines.append(line)
            if line["event"] == event:
                return line
        raise AssertionError(f"no {event} line; got {[x['event'] for x in self.lines]}")


def test_edits_are_accepted_reported_and_survive_a_sigkill(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    first = Run(tmp_path, "--at", "15:39", "--speed", "10", "--accept-changes")
    try:
        first.until("programme_watch")
        programme.write_text(LONGER, encoding="utf-8")
        changed = first.until("programme_changed")
        assert changed["by"] == "accept-changes"
        assert "~ 'Keynote lecture': 40 min (was 35 min)" in changed["lines"]
        assert {"slot": "keynote", "title": "Keynote lecture", "changes": ["retimed"]} in changed[
            "slots"
        ]
        programme.write_text(INVALID, encoding="utf-8")
        invalid = first.until("programme_invalid")
        assert any(":71:15: error:" in e for e in invalid["errors"])
        programme.write_text(SWAPPED, encoding="utf-8")
        again = first.until("programme_changed")
        assert any("turn 4: Ada Lovelace (was Seonok Lee)" in line for line in again["lines"])
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=10)

    second = Run(tmp_path, "--speed", "10")
    try:
        resumed = second.until("resumed")
        assert "REPLAY DIFFERS" not in resumed["message"]
        assert "Keynote lecture" in resumed["message"]  # still live: its deadline is 16:15 now
    finally:
        second.proc.send_signal(signal.SIGTERM)
        second.proc.wait(timeout=20)
    log = next((tmp_path / "runs").glob("*-dry-rehearsal.jsonl"))
    records = read_log(log).records
    revisions = [r for r in records if r.get("record") == "revision"]
    assert [r["by"] for r in revisions] == ["accept-changes", "accept-changes"]
    resume = next(r for r in records if r.get("record") == "resume")
    assert resume["mismatches"] == []
