"""`timekeeper diff OLD NEW` on two versions of the seed programme, as a reviewer runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "programme.yaml").read_text(encoding="utf-8")


def timekeeper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def edited() -> str:
    """Show day: a longer keynote, a panellist swapped, a renamed scene, a break added."""
    text = SEED.replace('start: "15:35"\n    duration: 35m', 'start: "15:35"\n    duration: 40m')
    text = text.replace('start: "16:10"\n    duration: 1h', "duration: 55m")
    text = text.replace("Seonok Lee", "Ada Lovelace")
    text = text.replace("    scene: Q&A\n", "    scene: Questions\n")
    text = text.replace('start: "17:10"\n    duration: 20m', 'start: "17:10"\n    duration: 15m')
    return text.replace(
        "  - id: reception",
        "  - id: break\n    title: Coffee break\n    duration: 5m\n    scene: Break\n\n"
        "  - id: reception",
    )


def test_two_versions_of_the_seed_print_the_difference_and_exit_1(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(SEED, encoding="utf-8")
    new.write_text(edited(), encoding="utf-8")
    done = timekeeper("diff", str(old), str(new))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "~ 'Keynote lecture': 40 min (was 35 min)" in lines
    panel = next(line for line in lines if line.startswith("~ 'Panel discussion'"))
    assert "starts 16:15 (was 16:10)" in panel
    assert "turn 4: Ada Lovelace (was Seonok Lee)" in panel
    assert "~ 'Q&A with the participants': 15 min (was 20 min); scene Questions (was Q&A)" in lines
    assert "+ added 'Coffee break': 17:25–17:30, 5 min, scene Break" in lines
    assert "  expected 'Panel discussion' 16:15 (was 16:10, +5:00)" in lines
    assert lines[-1] == "  end of show 18:30 (unchanged)"


def test_the_same_file_is_no_difference_and_exit_0(tmp_path: Path) -> None:
    done = timekeeper("diff", "programme.yaml", "programme.yaml")
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "no difference"


def test_an_invalid_version_is_reported_as_check_does_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SEED.replace("duration: 35m", "duration: soon"), encoding="utf-8")
    done = timekeeper("diff", "programme.yaml", str(bad))
    assert done.returncode == 2
    assert f"{bad}:60:15: error:" in done.stderr
    assert done.stdout == ""
