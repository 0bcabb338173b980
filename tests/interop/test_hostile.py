"""Hostile or broken schedules met by the real CLI: one clear line and exit 2, never a traceback.

Each case is one of the mutants that made `import` exit 1 with a traceback (issue 21, item 13),
plus the CR-only CSV Excel writes ("CSV (Macintosh)"), which imports, and an XML file of two
million empty elements, refused before it is parsed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from timekeeper.cli import main
from timekeeper.interop import frab_xml

from .conftest import FIXTURES


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timekeeper.cli", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _schedule(date: str = "2024-05-01T10:00:00+02:00", duration: str = "00:45",
              title: str = "Opening") -> str:  # fmt: skip
    event = {"guid": "6f1d2c3a-0001-4b6e-9d5c-111111111111", "title": title, "date": date,
             "duration": duration, "persons": []}  # fmt: skip
    return json.dumps({"schedule": {"version": "1", "conference": {
        "title": "T", "acronym": "tttt", "time_zone_name": "Europe/Berlin",
        "days": [{"index": 1, "date": "2024-05-01", "rooms": {"Main Hall": [event]}}],
    }}})  # fmt: skip


CASES = {
    "year 1": (_schedule(date="0001-01-01T00:10:00+01:00"), "falls outside the years"),
    "year 9999": (_schedule(date="9999-12-31T23:50:00-01:00"), "falls outside the years"),
    "huge duration": (_schedule(duration="99999999999:00:00"), "is not HH:MM"),
    "4,400-digit integer": (
        _schedule().replace('"persons": []', '"persons": ' + "9" * 4400),
        "Exceeds the limit (4300 digits)",
    ),
    "lone surrogate": (_schedule(title="\ud800 talk"), "lone surrogate"),
    "unknown XML encoding": (
        '<?xml version="1.0" encoding="x-nope"?>\n<schedule/>\n',
        "unknown encoding: x-nope",
    ),
    "CSV cell over 131,072 bytes": (
        "title,start,duration,date\n" + "a" * 140_000 + ",10:00,30m,2024-05-01\n",
        "field larger than field limit",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_schedule_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    text, expected = CASES[case]
    path = tmp_path / "schedule.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    done = _cli("import", str(path), "--room", "Main Hall")
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"timekeeper: {path}")
    assert expected in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_cr_only_csv_from_excel_imports(tmp_path: Path) -> None:
    path = tmp_path / "order.csv"
    path.write_bytes(b"title,start,duration,date\rWelcome,10:00,15m,2024-05-01\r"
                     b"Keynote,,45m,2024-05-01\r")  # fmt: skip
    done = _cli("import", str(path), "--room", "Main", "--timezone", "Europe/Vienna")
    assert done.returncode == 0, done.stderr
    assert 'title: "Welcome"' in done.stdout and 'title: "Keynote"' in done.stdout
    assert '"2024-05-01T10:15+02:00"' in done.stdout


def test_two_million_empty_elements_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_bytes(b"<schedule>" + b"<a/>" * 2_000_000 + b"</schedule>")
    tracemalloc.start()
    try:
        code = main(["import", str(path), "--list-rooms"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2
    assert peak < 3 * path.stat().st_size  # the file's bytes, no tree (it cost 674 MB)


def test_elements_are_counted_while_parsing_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(frab_xml, "MAX_ELEMENTS", 40)
    assert main(["import", str(FIXTURES / "nightcamp-frab.xml"), "--list-rooms"]) == 2
    assert "more than 40" in capsys.readouterr().err
