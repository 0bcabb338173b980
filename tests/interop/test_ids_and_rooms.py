"""Ids and room names as a spreadsheet writes them: `1`, `null`, `yes`, and `Hall` beside `hall`.

A slot id YAML would read as a number, a boolean or nothing is written in quotes, so it
imports and stays itself; a hand-written `id: null` is refused where it is; an import
refusal lists its errors before its warnings; two rooms whose names differ only in case
each import their own talks, and `--all-rooms` says why it cannot give them one venue.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from timekeeper.cli import main
from timekeeper.programme.loader import load_programme

from .test_reimport import NIGHT, _changed_upstream, _edited_by_the_team


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timekeeper.cli", *args], capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_a_csv_with_ids_1_2_3_imports_and_keeps_them(tmp_path: Path) -> None:
    sheet = tmp_path / "order.csv"
    sheet.write_text("id,title,start,duration,date,timezone\n1,Welcome,10:00,15m,2024-05-01,UTC\n"
                     "2,Keynote,,45m,,\n3,Closing,,10m,,\n")  # fmt: skip
    out = tmp_path / "main.yaml"
    done = _cli("import", str(sheet), "--room", "Main", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert [s.id for s in load_programme(out).slots] == ["1", "2", "3"]


def test_a_guid_null_stays_null(tmp_path: Path) -> None:
    sheet = tmp_path / "order.csv"
    sheet.write_text("id,title,start,duration,date,timezone\nnull,Welcome,10:00,15m,2024-05-01,UTC\n"
                     "yes,Keynote,,45m,,\n~,Closing,,10m,,\n")  # fmt: skip
    out = tmp_path / "main.yaml"
    done = _cli("import", str(sheet), "--room", "Main", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert [s.id for s in load_programme(out).slots] == ["null", "yes", "closing"]


def test_a_hand_written_id_null_is_refused_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = tmp_path / "p.yaml"
    programme.write_text("event: {title: X, date: 2024-05-01, timezone: UTC}\nslots:\n"
                         "  - title: Welcome\n    id: null\n    start: '10:00'\n    duration: 5m\n"
                         "    scene: S\n"
                         "  - {title: Talk, id: yes, duration: 5m, scene: S}\n")  # fmt: skip
    assert main(["check", str(programme)]) == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert f"{programme}:4:9: error: slot 1's 'id' is empty" in err
    assert 'got true (put it in quotes as you wrote it, e.g. "yes"' in err


def test_a_refused_import_prints_its_errors_before_its_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = tmp_path / "main.yaml"
    assert main(["import", str(NIGHT), "--room", "Main Hall", "-o", str(programme)]) == 0
    _edited_by_the_team(programme)
    v2 = _changed_upstream(tmp_path)
    xml = v2.read_text(encoding="utf-8").replace("2023-10-29T11:15:00", "2023-10-29T10:15:00")
    v2.write_text(xml, encoding="utf-8")  # a new talk lands on the team's breakfast
    capsys.readouterr()
    assert main(["import", str(v2), "--room", "Main Hall", "-o", str(programme)]) == 2
    lines = capsys.readouterr().err.splitlines()
    kinds = [("error" if ": error: " in line else "warning") for line in lines
             if ": error: " in line or ": warning: " in line]  # fmt: skip
    assert "error" in kinds and "warning" in kinds
    assert kinds == sorted(kinds)  # every error, then every warning


def _two_halls(tmp_path: Path) -> Path:
    sheet = tmp_path / "halls.csv"
    sheet.write_text("title,room,start,duration,date,timezone\n"
                     "Upstairs talk,Hall,10:00,30m,2024-05-01,UTC\n"
                     "Downstairs talk,hall,10:00,45m,2024-05-01,\n")  # fmt: skip
    return sheet


def test_rooms_that_differ_only_in_case_each_import_their_own_talks(tmp_path: Path) -> None:
    sheet = _two_halls(tmp_path)
    listed = _cli("import", str(sheet), "--list-rooms")
    assert listed.stdout.splitlines() == ["Hall\t1 talks", "hall\t1 talks"]
    for room, title in (("Hall", "Upstairs talk"), ("hall", "Downstairs talk")):
        out = tmp_path / f"{room}.yaml.out"
        done = _cli("import", str(sheet), "--room", room, "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert [s.title for s in load_programme(out).slots] == [title]
    done = _cli("import", str(sheet), "--room", "HALL")
    assert done.returncode == 2
    assert "'Hall' and 'hall' differ only in case" in done.stderr
    assert "--room exactly as the schedule spells it" in done.stderr


def test_all_rooms_says_why_two_rooms_that_differ_only_in_case_cannot_share_a_venue(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "rooms"
    folder.mkdir()
    done = _cli("import", str(_two_halls(tmp_path)), "--all-rooms", str(folder))
    assert done.returncode == 2
    assert "rooms 'Hall' and 'hall' differ only in case or punctuation" in done.stderr
    assert "--room NAME -o FILE" in done.stderr
    assert list(folder.iterdir()) == []
