"""`timekeeper plan PROGRAMME --late 7m --at 16:17`: rehearse the running-late decision."""

from __future__ import annotations

from pathlib import Path

from tests.commands.test_diff_command import SEED, timekeeper


def test_the_seed_seven_minutes_late_prints_the_proposal_and_its_diff() -> None:
    done = timekeeper("plan", "programme.yaml", "--late", "7m", "--at", "16:17")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:5] == [
        "programme.yaml: 7:00 late at 16:17 (Panel discussion is live)",
        "Running late: the end of the show (18:30) is forecast +7:00 late",
        "  Panel discussion: turns 6:00 → 5:00 (−6:00)",
        "  Q&A with the participants 20:00 → 19:00 (−1:00)",
        "  Reception stays at 17:30; the show ends at 18:30 as planned",
    ]
    assert "  ~ 'Q&A with the participants': 19 min (was 20 min)" in lines
    assert "    expected 'Reception' 17:30 (was 17:37, −7:00)" in lines


def test_a_policy_changes_the_proposal(tmp_path: Path) -> None:
    policy = SEED.replace("slots:\n", "late:\n  order: [qa]\n\nslots:\n", 1)
    path = tmp_path / "programme.yaml"
    path.write_text(policy, encoding="utf-8")
    done = timekeeper("plan", str(path), "--late", "7m", "--at", "16:17")
    assert done.returncode == 0, done.stderr
    assert "  Q&A with the participants 20:00 → 13:00 (−7:00)" in done.stdout.splitlines()
    assert "Panel discussion:" not in done.stdout


def test_too_late_to_absorb_says_by_how_much_and_exits_1() -> None:
    done = timekeeper("plan", "programme.yaml", "--late", "1h", "--at", "17:10")
    assert done.returncode == 1, done.stderr
    assert "  the show still ends 30:30 late (19:00:30)" in done.stdout.splitlines()


def test_bad_input_is_a_clear_message_and_exit_2() -> None:
    before = timekeeper("plan", "programme.yaml", "--late", "7m", "--at", "15:30")
    assert before.returncode == 2
    assert "no slot is live at 15:23:00" in before.stderr
    word = timekeeper("plan", "programme.yaml", "--late", "soon", "--at", "16:17")
    assert word.returncode == 2 and "--late: cannot read 'soon'" in word.stderr
