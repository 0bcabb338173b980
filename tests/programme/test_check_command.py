"""`timekeeper check` and `timekeeper schema` through the CLI's main(), as a user runs them."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from timekeeper.cli import main
from timekeeper.core.programme import Programme

from .helpers import FIXTURES, SEED


def test_check_seed_prints_the_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SEED)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[:5] == [
        "How Artificial Intelligence Fosters Global Inequalities",
        "A Four-Country Study on Data Work",
        "House of Connections, Grote Markt 21, Groningen (in presence and online)",
        "Monday 20 November 2023",
        "Times in Europe/Amsterdam (CET, UTC+01:00)",
    ]
    rows = [line for line in lines if line[:2].isdigit()]
    assert [row.split()[:3] for row in rows] == [
        ["15:30", "15:35", "5m"],
        ["15:35", "16:10", "35m"],
        ["16:10", "17:10", "1h00m"],
        ["17:10", "17:30", "20m"],
        ["17:30", "18:30", "1h00m"],
    ]
    keynote = rows[1]
    assert "Keynote lecture" in keynote and keynote.rstrip().endswith("Keynote")
    assert rows[3].rstrip().endswith("MANUAL") and "Q&A with the participants" in rows[3]
    assert "Antonio A. Casilli (Institut Polytechnique de Paris)" in out
    assert "      6m  Beryl ter Haar" in out
    assert "      3m  Michele Molè · Opening" in out
    assert "     21m  (left after the turns)" in out
    assert "Total: 3h00m, 15:30 to 18:30; 5 slots, 1 manual, 7 turns" in out
    assert lines[-1] == f"{SEED}: valid, 0 warnings"
    assert max(len(line) for line in lines) <= 80


def test_check_invalid_file_exits_2_with_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = FIXTURES / "timeline.yaml"
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 9
    assert all(line.startswith(f"{path}:") for line in errors)
    assert err.splitlines()[-1] == f"{path}: invalid: 9 errors, 2 warnings"
    assert "Traceback" not in err


def test_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", str(tmp_path / "none.yaml")]) == 2
    assert "error: no such file" in capsys.readouterr().err


def test_check_with_warnings_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES / "warnings.yaml")]) == 0
    out, err = capsys.readouterr()
    assert "START" in out
    assert err.count(": warning: ") == 5
    assert err.splitlines()[-1].endswith("valid, 5 warnings")


def _fake_obs(monkeypatch: pytest.MonkeyPatch, code: int, seen: list[object]) -> None:
    module = types.ModuleType("timekeeper.commands.check_obs")

    def run_obs_check(programme: Programme, url: str | None) -> int:
        seen.append((programme.event.title, url))
        return code

    module.run_obs_check = run_obs_check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "timekeeper.commands.check_obs", module)


@pytest.mark.parametrize("code", [0, 2, 3])
def test_check_obs_runs_the_preflight_after_a_valid_load(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: int
) -> None:
    seen: list[object] = []
    _fake_obs(monkeypatch, code, seen)
    assert main(["check", str(SEED), "--obs", "--obs-url", "ws://obs:4455"]) == code
    assert seen == [("How Artificial Intelligence Fosters Global Inequalities", "ws://obs:4455")]


def test_check_obs_skipped_for_an_invalid_programme(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    _fake_obs(monkeypatch, 0, seen)
    assert main(["check", str(FIXTURES / "types.yaml"), "--obs"]) == 2
    assert seen == []


def test_check_obs_unavailable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "timekeeper.commands.check_obs", None)  # import fails
    assert main(["check", str(SEED), "--obs"]) == 2
    assert "OBS preflight is not available in this build" in capsys.readouterr().err


def test_check_without_obs_flag_never_loads_the_preflight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "timekeeper.commands.check_obs", None)
    assert main(["check", str(SEED)]) == 0
