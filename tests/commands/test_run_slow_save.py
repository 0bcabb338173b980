"""`run --headless --accept-changes` while programme.yaml is saved slowly: the whole file counts.

The save stops for a while after the Q&A (a prefix that is a valid programme without the
Reception). It used to be accepted at once, dropping the Reception; now the run says the
file is settling, and accepts the edit once the save is over, Reception and all.
"""

from __future__ import annotations

import json
import select
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from .test_run_changes import LONGER, Run


class _Run(Run):
    def until_one_of(self, *events: str, timeout: float = 30.0) -> dict[str, Any]:
        """The next line naming any of `events` (each read line is kept in self.lines)."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            raw = self.proc.stdout.readline() if ready else None
            if raw == "":
                break
            if raw:
                line: dict[str, Any] = json.loads(raw)
                self.lines.append(line)
                if line["event"] in events:
                    return line
        raise AssertionError(f"none of {events}; got {[x['event'] for x in self.lines]}")


def test_a_slow_save_is_accepted_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMEKEEPER_EDIT_SETTLE_S", "5")  # room for a loaded machine
    programme = tmp_path / "programme.yaml"
    programme.write_text((Path(__file__).parents[2] / "programme.yaml").read_text("utf-8"))
    cut = LONGER.index("  - id: reception")
    run = _Run(tmp_path, "--at", "15:39", "--speed", "10", "--accept-changes")
    try:
        run.until("programme_watch")
        with programme.open("w", encoding="utf-8") as save:
            save.write(LONGER[:cut])  # valid on its own: the Reception is not there yet
            save.flush()
            first = run.until_one_of("programme_settling", "programme_changed")
            assert first["event"] == "programme_settling", (
                f"a prefix of the save was taken for the edit: {first.get('lines')}"
            )
            save.write(LONGER[cut:])
        changed = run.until("programme_changed")
        assert changed["by"] == "accept-changes"
        assert "~ 'Keynote lecture': 40 min (was 35 min)" in changed["lines"]
        assert not any("Reception" in line for line in changed["lines"])
    finally:
        run.proc.send_signal(signal.SIGTERM)
        run.proc.wait(timeout=20)
    assert [x["event"] for x in run.lines].count("programme_changed") == 1
