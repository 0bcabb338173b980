"""`timekeeper export`: other tools read what timekeeper writes, with the right instants."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import jsonschema
import pytest
from lxml import etree

from tests.interop.conftest import SampleFinder
from timekeeper.cli import main
from timekeeper.interop.reader import read_schedule
from timekeeper.programme.loader import load_programme

from .conftest import FIXTURES

SEED = Path(__file__).resolve().parents[2] / "programme.yaml"


@pytest.fixture
def night(tmp_path: Path) -> Path:
    out = tmp_path / "night.yaml"
    assert main(["import", str(FIXTURES / "nightcamp-frab.xml"), "--room", "Main Hall",
                 "-o", str(out)]) == 0  # fmt: skip
    return out


def _export(programme: Path, fmt: str, tmp_path: Path) -> Path:
    out = tmp_path / f"out.{fmt}"
    assert main(["export", str(programme), "--format", fmt, "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("which", ["night", "seed"])
def test_ics_round_trips_with_the_right_instants(which: str, night: Path, tmp_path: Path) -> None:
    source = night if which == "night" else SEED
    programme = load_programme(source)
    cal = icalendar.Calendar.from_ical(_export(source, "ics", tmp_path).read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [programme.event.timezone]
    events = cal.walk("VEVENT")
    assert [(e["SUMMARY"], e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC))
            for e in events] == [(s.title, s.start, s.end) for s in programme.slots]  # fmt: skip
    # local times carry the event's zone; only a time the clocks repeat is written in UTC
    zones = [e["DTSTART"].params.get("TZID") or e.decoded("DTSTART").tzname() for e in events]
    assert set(zones) <= {programme.event.timezone, "UTC"}
    assert zones[0] == programme.event.timezone


def test_ics_uids_are_stable_and_come_from_slot_ids(night: Path, tmp_path: Path) -> None:
    first = icalendar.Calendar.from_ical(_export(night, "ics", tmp_path).read_bytes())
    again = icalendar.Calendar.from_ical(_export(night, "ics", tmp_path).read_bytes())
    uids = [str(e["UID"]) for e in first.walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in again.walk("VEVENT")]
    assert uids[0] == "6f1d2c3a-0001-4b6e-9d5c-111111111111@timekeeper"
    assert len(set(uids)) == len(uids)


@pytest.mark.parametrize("which", ["night", "seed"])
def test_schedule_json_validates_against_the_c3voc_schema(
    which: str, night: Path, tmp_path: Path, real_sample: SampleFinder
) -> None:
    schema = json.loads(real_sample("schema.json").read_text(encoding="utf-8"))
    source = night if which == "night" else SEED
    document = json.loads(_export(source, "schedule-json", tmp_path).read_text(encoding="utf-8"))
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("fmt", ["schedule-json", "schedule-xml", "csv"])
def test_exports_import_back_to_the_same_slots(fmt: str, night: Path, tmp_path: Path) -> None:
    programme = load_programme(night)
    conference = read_schedule(str(_export(night, fmt, tmp_path)))
    talks = conference.room_talks(conference.rooms[0])
    assert [(t.title, t.start.astimezone(UTC), t.duration) for t in talks] == [
        (s.title, s.start, s.duration) for s in programme.slots
    ]
    assert talks[0].persons == ("Ada Nightingale", "Grace Owl")


@pytest.mark.parametrize("which", ["night", "seed", "democon"])
def test_schedule_xml_validates_against_frabs_xsd(
    which: str, night: Path, tmp_path: Path, real_sample: SampleFinder
) -> None:
    schema = etree.XMLSchema(etree.parse(str(real_sample("schedule.xml.xsd"))))
    source = {"night": night, "seed": SEED}.get(which, tmp_path / "gray.yaml")
    if which == "democon":
        democon = str(real_sample("pretalx-democon.json"))
        assert main(["import", democon, "--room", "Gray Room", "-o", str(source)]) == 0
    document = etree.parse(str(_export(source, "schedule-xml", tmp_path)))
    problems = [f"line {e.line}: {e.message}" for e in schema.error_log] if not schema.validate(
        document
    ) else []  # fmt: skip
    assert problems == []


def test_slugs_fit_frabs_xsd_and_the_c3voc_schema_even_for_short_ids(tmp_path: Path) -> None:
    root = etree.parse(str(_export(SEED, "schedule-xml", tmp_path))).getroot()
    slugs = [e.findtext("slug") or "" for e in root.iter("event")]
    short = [s for s in slugs if s.endswith("-__qa")]
    assert len(short) == 1  # the seed's Q&A slot, id `qa`
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}", slug), slug  # voc-slug-new
        assert re.fullmatch(r"[a-z0-9_-]+[a-z0-9]", slug), slug  # schema.json
    assert len(set(slugs)) == len(slugs)


def test_schedule_xml_marks_the_talk_without_recording(night: Path, tmp_path: Path) -> None:
    root = ET.parse(_export(night, "schedule-xml", tmp_path)).getroot()
    optout = {e.findtext("title"): e.findtext("recording/optout") for e in root.iter("event")}
    assert optout["Across midnight"] == "true"
    assert optout["Opening: a night without end"] == "false"
    assert root.find("day").get("start") == "2023-10-28T22:00:00+02:00"  # type: ignore[union-attr]


def test_csv_running_order_imports(tmp_path: Path) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text(
        "Title;Start;Duration;Speakers;Scene;Date;Time zone\n"
        "Welcome;10:00;5m;Ada;Intro;2024-05-14;Europe/Amsterdam\n"
        "Panel;;45m;Ada, Grace;Panel;;\n"
        "Workshop;11:00;00:45;;Stage;2024-05-14;\n"
    )
    out = tmp_path / "p.yaml"
    assert main(["import", str(sheet), "--room", "Main", "-o", str(out)]) == 0
    programme = load_programme(out)
    assert [(s.title, s.start, s.scene) for s in programme.slots] == [
        ("Welcome", datetime(2024, 5, 14, 8, 0, tzinfo=UTC), "Intro"),
        ("Panel", datetime(2024, 5, 14, 8, 5, tzinfo=UTC), "Panel"),
        ("Changeover", datetime(2024, 5, 14, 8, 50, tzinfo=UTC), "Changeover"),
        ("Workshop", datetime(2024, 5, 14, 9, 0, tzinfo=UTC), "Stage"),
    ]
    assert [s.name for s in programme.slots[1].speakers] == ["Ada", "Grace"]


def test_csv_without_a_title_column_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "plan.csv"
    sheet.write_text("Talk name,When\nA,10:00\n")
    assert main(["import", str(sheet), "--room", "Main"]) == 2
    assert f"{sheet}:1: no 'title' column" in capsys.readouterr().err
