"""`timekeeper import`: schedules become programmes that `check` accepts, with the right times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.interop.conftest import SampleFinder
from timekeeper.cli import main
from timekeeper.core.programme import ObsAction, Programme
from timekeeper.interop.reader import read_schedule
from timekeeper.interop.to_programme import render
from timekeeper.programme.loader import load_programme_text_with_warnings

from .conftest import FIXTURES

NIGHT = FIXTURES / "nightcamp-frab.xml"


def _programme(schedule: Path, room: str) -> Programme:
    conference = read_schedule(str(schedule))
    programme, _ = load_programme_text_with_warnings(render(conference, room), "p.yaml")
    return programme


def test_multi_day_frab_xml_keeps_instants_past_midnight_and_across_dst() -> None:
    programme = _programme(NIGHT, "Main Hall")
    talks = [s for s in programme.slots if not s.id.startswith("changeover-")]
    assert [s.start for s in talks] == [
        datetime(2023, 10, 28, 20, 0, tzinfo=UTC),
        datetime(2023, 10, 28, 21, 0, tzinfo=UTC),
        datetime(2023, 10, 28, 22, 30, tzinfo=UTC),  # 00:30+02:00 on the 29th
        datetime(2023, 10, 29, 1, 15, tzinfo=UTC),  # the second 02:15, after the clocks go back
        datetime(2023, 10, 29, 10, 0, tzinfo=UTC),
        datetime(2023, 10, 29, 22, 40, tzinfo=UTC),  # 23:40 on day 2, ends after midnight
    ]
    assert programme.event.timezone == "Europe/Berlin"
    assert programme.event.date.isoformat() == "2023-10-28"
    # the guid is the slot id, lower-cased to fit the id rules
    assert talks[0].id == "6f1d2c3a-0001-4b6e-9d5c-111111111111"
    assert [sp.name for sp in talks[0].speakers] == ["Ada Nightingale", "Grace Owl"]
    assert talks[2].duration == timedelta(minutes=90)


def test_gaps_become_changeovers_but_the_night_stays_a_gap() -> None:
    programme = _programme(NIGHT, "Main Hall")
    changeovers = [s for s in programme.slots if s.id.startswith("changeover-")]
    assert [(s.start, s.duration, s.scene) for s in changeovers] == [
        (datetime(2023, 10, 28, 20, 45, tzinfo=UTC), timedelta(minutes=15), "Changeover"),
        (datetime(2023, 10, 28, 22, 0, tzinfo=UTC), timedelta(minutes=30), "Changeover"),
        # 02:00+02:00 to 02:15+01:00 is 1h15m of real time
        (datetime(2023, 10, 29, 0, 0, tzinfo=UTC), timedelta(minutes=75), "Changeover"),
    ]
    assert len(programme.slots) == 9  # 6 talks, 3 changeovers; the 8h and 12h gaps are gaps


def test_opt_outs_keep_recording_and_streaming_off_for_that_talk() -> None:
    slots = {s.title: s for s in _programme(NIGHT, "Main Hall").slots}
    opening = slots["Opening: a night without end"]
    assert opening.on_start == (ObsAction.START_STREAMING, ObsAction.START_RECORDING)
    assert opening.on_end == (ObsAction.STOP_RECORDING,)
    optout = slots["Across midnight"]  # <recording><optout>true
    assert ObsAction.START_RECORDING not in optout.on_start
    no_stream = slots["The small hours"]  # <do_not_stream>true
    assert no_stream.on_start[0] is ObsAction.STOP_STREAMING
    after = next(s for s in _programme(NIGHT, "Main Hall").slots if s.start > no_stream.start
                 and s.id.startswith("changeover-"))  # fmt: skip
    assert after.on_start == (ObsAction.START_STREAMING,)


def test_cli_import_writes_a_programme_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "main.yaml"
    assert main(["import", str(NIGHT), "--room", "main hall", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    assert main(["check", str(out)]) == 0
    assert "The second 02:15" in capsys.readouterr().out


def test_list_rooms_and_all_rooms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(NIGHT), "--list-rooms"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Main Hall\t6 talks", "Workshop Tent\t1 talks"]
    assert main(["import", str(NIGHT), "--all-rooms", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "main-hall.yaml", "venue.yaml", "workshop-tent.yaml",
    ]  # fmt: skip
    for name in ("main-hall.yaml", "workshop-tent.yaml"):
        assert main(["check", str(tmp_path / name)]) == 0
    assert "programme: workshop-tent.yaml" in (tmp_path / "venue.yaml").read_text()


def test_unknown_room_lists_the_rooms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(NIGHT), "--room", "Kitchen"]) == 2
    err = capsys.readouterr().err
    assert "no room 'Kitchen'; its rooms are 'Main Hall', 'Workshop Tent'" in err


@pytest.mark.parametrize(
    ("name", "rooms"),
    [("pretalx-democon.json", {"Gray Room": 27, "Tan Room": 9}),
     ("frab-camp2019.json", {"Curie": 41, "Meitner": 38})],
)  # fmt: skip
def test_real_published_schedules_import_room_by_room(
    real_sample: SampleFinder, name: str, rooms: dict[str, int]
) -> None:
    path = real_sample(name)
    conference = read_schedule(str(path))
    assert {r: len(conference.room_talks(r)) for r in conference.rooms} == rooms
    for room, count in rooms.items():
        programme, _ = load_programme_text_with_warnings(render(conference, room), "p.yaml")
        talks = [s for s in programme.slots if not s.id.startswith("changeover-")]
        assert len(talks) == count
        for slot, talk in zip(talks, conference.room_talks(room), strict=True):
            assert slot.start == talk.start.astimezone(UTC)
            assert slot.duration == talk.duration


def test_democon_first_talk_is_at_its_published_instant(real_sample: SampleFinder) -> None:
    programme = _programme(real_sample("pretalx-democon.json"), "Gray Room")
    first = programme.slots[0]
    assert (first.id, first.title) == (
        "8079583e-8321-506c-95af-fd2903a5f075", "Focused 5thgeneration hardware",
    )  # fmt: skip
    assert first.start == datetime(2020, 12, 14, 8, 0, tzinfo=UTC)  # 09:00+01:00
    assert [s.name for s in first.speakers] == ["Brian Robinson"]
