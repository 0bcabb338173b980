"""The venue file: a valid one runs a room, a broken one is reported line by line, all at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from timekeeper.app.run_options import RunOptions, resolve_room
from timekeeper.cli import main
from timekeeper.errors import UsageError
from timekeeper.programme.diagnostics import InvalidProgrammeError, Report
from timekeeper.programme.yamldoc import compose
from timekeeper.rooms.model import venue_schema_text
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.venue import load_venue

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "programme.yaml"
VENUE = """\
venue: {name: Data Work Symposium, timezone: Europe/Amsterdam}
mqtt: {url: "mqtt://127.0.0.1:1883", username_env: TK_MQTT_USER, password_env: TK_MQTT_PASSWORD}
rooms:
  - {name: Plenary, programme: plenary.yaml}
  - {name: Room B, programme: room-b.yaml, commands: [message, next_turn]}
"""


@pytest.fixture
def venue(tmp_path: Path) -> Path:
    shutil.copy(SEED, tmp_path / "plenary.yaml")
    shutil.copy(SEED, tmp_path / "room-b.yaml")
    path = tmp_path / "venue.yaml"
    path.write_text(VENUE)
    return path


def test_the_issue_example_loads_with_rooms_slugged_and_programmes_beside_it(venue: Path) -> None:
    loaded = load_venue(venue)
    assert loaded.slug == "data-work-symposium"
    assert [(r.name, r.slug, r.programme) for r in loaded.rooms] == [
        ("Plenary", "plenary", venue.parent / "plenary.yaml"),
        ("Room B", "room-b", venue.parent / "room-b.yaml"),
    ]
    assert loaded.rooms[0].commands == ("message",)  # the default: speaker messages only
    assert loaded.rooms[1].commands == ("message", "next_turn")


def test_every_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "plenary.yaml")
    path = tmp_path / "venue.yaml"
    path.write_text(
        "venue: {name: DWS, timezone: Europe/Amsterdm}\n"
        'mqtt: {url: "mqtt://ada:secret@broker:1883", password: hunter2}\n'
        "rooms:\n"
        "  - {name: Plenary, programme: plenary.yaml, comands: [message]}\n"
        "  - {name: Room B, programme: plenary.yaml, commands: [launch]}\n"
    )
    with pytest.raises(InvalidProgrammeError) as caught:
        load_venue(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": error: ")[0] for line in lines] == [
        f"{path}:1:30",
        f"{path}:2:13",
        f"{path}:2:46",
        f"{path}:4:46",
        f"{path}:5:56",
    ]
    text = str(caught.value)
    assert "unknown timezone 'Europe/Amsterdm'" in text
    assert "the broker URL may not hold a user or password" in text
    assert "the broker password never lives in the venue file" in text
    assert "unknown key 'comands' in room 1; did you mean 'commands'?" in text
    assert "got 'launch'" in text
    assert "secret" not in text.replace("secret_", "") and "hunter2" not in text


def test_rooms_whose_topics_would_collide_and_missing_programmes_are_errors(
    tmp_path: Path,
) -> None:
    shutil.copy(SEED, tmp_path / "a.yaml")
    path = tmp_path / "venue.yaml"
    path.write_text(
        "venue: {name: V}\nrooms:\n"
        "  - {name: Room B, programme: a.yaml}\n"
        "  - {name: room-b, programme: a.yaml}\n"
        "  - {name: C, programme: nowhere.yaml}\n"
    )
    with pytest.raises(InvalidProgrammeError) as caught:
        load_venue(path)
    text = str(caught.value)
    assert f"{path}:4:12: error: room 'room-b' has the same topic name 'room-b'" in text
    assert f"{path}:5:26: error: room 'C': no programme file 'nowhere.yaml'" in text


def test_run_venue_with_room_runs_that_rooms_programme_on_the_venues_broker(venue: Path) -> None:
    options = resolve_room(RunOptions(venue, room=RoomOptions(room="room b")))
    assert options.programme == venue.parent / "room-b.yaml"
    assert options.room == RoomOptions(
        room="Room B",
        mqtt="mqtt://127.0.0.1:1883",
        venue="Data Work Symposium",
        commands=("message", "next_turn"),
    )


def test_a_venue_without_room_or_an_unknown_room_says_which_rooms_there_are(venue: Path) -> None:
    with pytest.raises(UsageError, match="pass --room NAME \\(one of 'Plenary', 'Room B'\\)"):
        resolve_room(RunOptions(venue))
    with pytest.raises(UsageError, match="has no room 'Room C'; its rooms: 'Plenary', 'Room B'"):
        resolve_room(RunOptions(venue, room=RoomOptions(room="Room C")))


def test_a_programme_alone_is_the_single_room_without_a_broker() -> None:
    options = RunOptions(SEED)
    assert resolve_room(options) is options
    with pytest.raises(UsageError, match="--room needs a venue file"):
        resolve_room(RunOptions(SEED, room=RoomOptions(room="Plenary")))
    with pytest.raises(UsageError, match="--mqtt needs --room NAME"):
        resolve_room(RunOptions(SEED, room=RoomOptions(mqtt="mqtt://127.0.0.1")))


def test_bad_mqtt_flag_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SEED), "--mqtt", "http://x", "--room", "A", "--headless"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["timekeeper: --mqtt: 'http://x': expected mqtt://HOST[:PORT] or "
                   "mqtts://HOST[:PORT] (TLS)"]  # fmt: skip


def test_check_venue_lists_rooms_and_reports_a_rooms_programme_by_its_own_lines(
    venue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(venue)]) == 0
    out = capsys.readouterr().out
    assert "Room B: timekeeper/data-work-symposium/room-b/ · room-b.yaml" in out
    (venue.parent / "room-b.yaml").write_text("event: {title: X}\nslots: []\n")
    assert main(["check", str(venue)]) == 2
    err = capsys.readouterr().err
    assert f"{venue.parent / 'room-b.yaml'}:1:" in err
    assert "Room B: " in err and "invalid" in err


def test_committed_schema_is_current_and_accepts_the_example(venue: Path) -> None:
    committed = (REPO / "schema" / "venue.schema.json").read_text()
    assert committed == venue_schema_text(), (
        "run `timekeeper schema --venue -o schema/venue.schema.json`"
    )
    composed = compose(venue.read_text(), Report("v"))
    assert composed is not None
    jsonschema.validate(composed[0], json.loads(committed))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"venue": {"name": "x"}, "rooms": [], "extra": 1}, json.loads(committed)
        )


def test_the_venue_file_written_by_import_all_rooms_is_a_valid_venue(tmp_path: Path) -> None:
    schedule = REPO / "tests" / "interop" / "fixtures" / "nightcamp-frab.xml"
    assert main(["import", str(schedule), "--all-rooms", str(tmp_path)]) == 0
    venue = load_venue(tmp_path / "venue.yaml")
    assert [(r.name, r.programme.name) for r in venue.rooms] == [
        ("Main Hall", "main-hall.yaml"),
        ("Workshop Tent", "workshop-tent.yaml"),
    ]
    assert main(["check", str(tmp_path / "venue.yaml")]) == 0
