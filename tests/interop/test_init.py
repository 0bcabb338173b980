"""`timekeeper init`: a new user starts from a file that `check` accepts, never over their own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from timekeeper.cli import build_parser, main
from timekeeper.commands.init import run_init
from timekeeper.programme.loader import load_programme

from .conftest import FIXTURES


def test_starter_programme_is_valid_and_dated_today(tmp_path: Path) -> None:
    out = tmp_path / "programme.yaml"
    args = build_parser().parse_args(["init", "-o", str(out)])
    assert run_init(args, date(2025, 3, 4)) == 0
    programme = load_programme(out)
    assert programme.event.date == date(2025, 3, 4)
    assert [s.title for s in programme.slots] == ["Welcome", "Keynote", "Closing"]
    assert out.read_text().startswith("# yaml-language-server: $schema=")


def test_init_from_a_schedule_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "programme.yaml"
    schedule = str(FIXTURES / "nightcamp-frab.xml")
    assert main(["init", "--from", schedule, "--room", "Workshop Tent", "-o", str(out)]) == 0
    assert [s.title for s in load_programme(out).slots] == ["Soldering by lamplight"]
    before = out.read_text()
    assert main(["init", "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert out.read_text() == before
