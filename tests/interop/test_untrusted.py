"""Schedules come from the internet: hostile or broken files give one located line, exit 2."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from timekeeper.cli import main
from timekeeper.interop import schedule

from .conftest import FIXTURES


def _import(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["import", str(path), "--room", "Main Hall"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


def test_broken_xml_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "schedule.xml"
    bad.write_text("<schedule>\n<conference>\n<title>X</title>\n</conferense>\n</schedule>\n")
    code, err = _import(bad, capsys)
    assert code == 2
    assert err.startswith(f"timekeeper: {bad}:4: not well-formed XML")


def test_entity_expansion_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "schedule.xml"
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<schedule>&b;</schedule>\n'
    )
    code, err = _import(bomb, capsys)
    assert code == 2
    assert "refused" in err and "entities are not allowed" in err


def test_a_bad_date_in_xml_names_the_line_of_the_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = FIXTURES.joinpath("nightcamp-frab.xml").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "2023-10-28T23:00:00+02:00" in line)
    lines[at] = "        <date>tomorrow-ish</date>"
    bad = tmp_path / "schedule.xml"
    bad.write_text("\n".join(lines))
    code, err = _import(bad, capsys)
    assert code == 2
    assert f"{bad}:{at + 1}: date 'tomorrow-ish' is not an ISO 8601 date" in err


def _json_schedule(event: Mapping[str, object]) -> dict[str, Any]:
    return {"schedule": {"version": "1", "conference": {
        "title": "T", "acronym": "tttt", "time_zone_name": "Europe/Berlin",
        "days": [{"index": 1, "date": "2024-05-01", "rooms": {"Main Hall": [event]}}],
    }}}  # fmt: skip


def test_json_problems_name_the_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "schedule.json"
    event = {"guid": "x", "title": "A", "date": "2024-05-01T10:00:00+02:00", "duration": 45}
    bad.write_text(json.dumps(_json_schedule(event)))
    code, err = _import(bad, capsys)
    assert code == 2
    assert '$.schedule.conference.days[0].rooms["Main Hall"][0].duration' in err
    bad.write_text('{"schedule": {\n  "conference": [1,\n }')
    code, err = _import(bad, capsys)
    assert code == 2 and f"{bad}:3:2: not valid JSON" in err


def test_overlapping_talks_are_reported_where_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    talks = [{"guid": f"g{i}", "title": f"T{i}", "date": "2024-05-01T10:00:00+02:00",
              "duration": "00:30"} for i in (1, 2)]  # fmt: skip
    data = _json_schedule(talks[0])
    data["schedule"]["conference"]["days"][0]["rooms"]["Main Hall"] = talks
    bad = tmp_path / "schedule.json"
    bad.write_text(json.dumps(data))
    code, err = _import(bad, capsys)
    assert code == 2
    assert "[1]: 'T2' starts before 'T1' ends" in err


def test_oversized_files_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "MAX_BYTES", 1024)
    big = tmp_path / "schedule.json"
    big.write_text("{" + " " * 2000 + "}")
    code, err = _import(big, capsys)
    assert code == 2 and "larger than" in err


def test_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _import(tmp_path / "nope.xml", capsys)
    assert (
        code == 2
        and err == f"timekeeper: cannot read {tmp_path / 'nope.xml'}: No such file or directory"
    )
