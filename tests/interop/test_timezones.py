"""Timezones that round-trip: import names a real zone or asks; export names one c3voc accepts.

A 31C3-like schedule.xml names no zone: it used to become `Etc/GMT-1` (the first talk's
offset), whose schedule.json export then failed c3voc's schema. Now import needs
`--timezone ZONE`, or finds the zone when the conference's name names a place whose zone
agrees with every talk's offset; and every export names an Area/City zone or UTC.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import jsonschema

from timekeeper.interop.reader import read_schedule
from timekeeper.programme.loader import load_programme

from .conftest import FIXTURES, SampleFinder


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timekeeper.cli", *args], capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def _zoneless(tmp_path: Path, title: str) -> Path:
    """The night camp's schedule.xml without its <time_zone_name>, as 31C3's was published."""
    xml = (FIXTURES / "nightcamp-frab.xml").read_text(encoding="utf-8")
    xml = xml.replace("    <time_zone_name>Europe/Berlin</time_zone_name>\n", "")
    xml = xml.replace("<title>Night Camp 2023</title>", f"<title>{title}</title>")
    assert "time_zone_name" not in xml and title in xml
    path = tmp_path / "schedule.xml"
    path.write_text(xml, encoding="utf-8")
    return path


def _valid(document: Path, real_sample: SampleFinder) -> dict[str, object]:
    schema = json.loads(real_sample("schema.json").read_text(encoding="utf-8"))
    data = json.loads(document.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    conference: dict[str, object] = data["schedule"]["conference"]
    return conference


def test_a_schedule_that_names_no_zone_needs_one(tmp_path: Path, real_sample: SampleFinder) -> None:
    schedule = _zoneless(tmp_path, "31st Chaos Communication Congress")
    out = tmp_path / "main.yaml"
    done = _cli("import", str(schedule), "--room", "Main Hall", "-o", str(out))
    assert done.returncode == 2
    assert "the schedule names no time zone (its talks are at UTC+01:00, UTC+02:00)" in done.stderr
    assert "--timezone Europe/Berlin" in done.stderr
    assert not out.exists()

    done = _cli("import", str(schedule), "--room", "Main Hall", "-o", str(out), "--timezone",
                "Europe/Berlin")  # fmt: skip
    assert done.returncode == 0, done.stderr
    programme = load_programme(out)
    assert programme.event.timezone == "Europe/Berlin"
    talks = read_schedule(str(schedule)).room_talks("Main Hall")
    assert [t.start.astimezone(UTC) for t in talks] == [
        s.start for s in programme.slots if not s.id.startswith("changeover-")
    ]

    exported = tmp_path / "schedule.json"
    assert (
        _cli("export", str(out), "--format", "schedule-json", "-o", str(exported)).returncode == 0
    )
    assert _valid(exported, real_sample)["time_zone_name"] == "Europe/Berlin"


def test_init_from_a_zoneless_schedule_takes_the_zone_too(tmp_path: Path) -> None:
    schedule = _zoneless(tmp_path, "31st Chaos Communication Congress")
    out = tmp_path / "first.yaml"
    done = _cli("init", "--from", str(schedule), "--room", "Main Hall", "-o", str(out))
    assert done.returncode == 2 and "--timezone" in done.stderr
    done = _cli("init", "--from", str(schedule), "--room", "Main Hall", "-o", str(out),
                "--timezone", "Europe/Berlin")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert load_programme(out).event.timezone == "Europe/Berlin"


def test_a_place_in_the_conferences_name_is_used_when_its_zone_fits_every_talk(
    tmp_path: Path,
) -> None:
    done = _cli("import", str(_zoneless(tmp_path, "Night Camp Berlin 2023")), "--room", "Main Hall")
    assert done.returncode == 0, done.stderr
    assert "  timezone: Europe/Berlin\n" in done.stdout
    assert "Europe/Berlin inferred from the conference's name 'Night Camp Berlin 2023'" in (
        done.stderr
    )
    # London is a place too, but its clocks were an hour behind these talks: not guessed
    done = _cli("import", str(_zoneless(tmp_path, "Night Camp London")), "--room", "Main Hall")
    assert done.returncode == 2 and "--timezone" in done.stderr


def test_a_programme_in_a_fixed_offset_zone_exports_a_zone_c3voc_accepts(
    tmp_path: Path, real_sample: SampleFinder
) -> None:
    schedule = _zoneless(tmp_path, "31st Chaos Communication Congress")
    out = tmp_path / "main.yaml"
    assert _cli("import", str(schedule), "--room", "Main Hall", "-o", str(out), "--timezone",
                "Europe/Berlin").returncode == 0  # fmt: skip
    old = tmp_path / "old.yaml"  # as the old import wrote it
    old.write_text(out.read_text(encoding="utf-8").replace("Europe/Berlin", "Etc/GMT-1"))
    exported = tmp_path / "schedule.json"
    done = _cli("export", str(old), "--format", "schedule-json", "-o", str(exported))
    assert done.returncode == 0, done.stderr
    assert "Etc/GMT-1 is not an Area/City zone" in done.stderr
    assert _valid(exported, real_sample)["time_zone_name"] == "UTC"
    back = read_schedule(str(exported)).room_talks("Main Hall")
    assert [t.start for t in back] == [s.start for s in load_programme(old).slots]
    xml = tmp_path / "schedule.xml"
    assert _cli("export", str(old), "--format", "schedule-xml", "-o", str(xml)).returncode == 0
    assert "<time_zone_name>UTC</time_zone_name>" in xml.read_text(encoding="utf-8")
