"""Re-importing every room at once: `import SCHEDULE --all-rooms DIR` over existing room files.

Each room's file is merged as the one-room re-import merges it (the team's work
kept, the conference's changes taken), each room's difference is printed, the
team's venue.yaml is left as they wrote it, `--dry-run` writes nothing, and one
room that cannot be merged stops every room from being written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from timekeeper.cli import main
from timekeeper.programme.loader import load_programme

from .test_reimport import MORNING, NIGHT, OPENING, _changed_upstream, _edited_by_the_team

SOLDERING = "6f1d2c3a-0005-4b6e-9d5c-555555555555"
MQTT = "mqtt: {url: mqtt://venue-broker:1883}  # ours\n"


@pytest.fixture
def venue_dir(tmp_path: Path) -> Path:
    """The rooms of the night camp imported, then edited by the team (a room and the venue)."""
    folder = tmp_path / "rooms"
    folder.mkdir()
    assert main(["import", str(NIGHT), "--all-rooms", str(folder)]) == 0
    _edited_by_the_team(folder / "main-hall.yaml")
    with (folder / "venue.yaml").open("a", encoding="utf-8") as venue:
        venue.write(MQTT)
    assert main(["check", str(folder / "venue.yaml")]) == 0
    return folder


def _upstream_with_the_tent_moved(tmp_path: Path) -> Path:
    """v2 of the schedule, where the workshop also starts half an hour later."""
    v2 = _changed_upstream(tmp_path)
    xml = v2.read_text(encoding="utf-8")
    old = "<date>2023-10-28T20:00:00+02:00</date>"
    assert xml.count(old) == 1
    v2.write_text(xml.replace(old, "<date>2023-10-28T20:30:00+02:00</date>"), encoding="utf-8")
    return v2


def _all_rooms(
    schedule: Path, folder: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["import", str(schedule), "--all-rooms", str(folder), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_every_room_is_merged_and_the_teams_work_and_venue_file_stay(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venue_before = (venue_dir / "venue.yaml").read_bytes()
    code, out, _ = _all_rooms(_upstream_with_the_tent_moved(tmp_path), venue_dir, capsys)
    assert code == 0
    main_hall = {s.id: s for s in load_programme(venue_dir / "main-hall.yaml").slots}
    opening = main_hall[OPENING]
    assert opening.start == datetime(2023, 10, 28, 20, 5, tzinfo=UTC)  # the conference's
    assert opening.hard and opening.scene == "Stage wide"  # the team's
    assert "breakfast" in main_hall and MORNING not in main_hall
    tent = load_programme(venue_dir / "workshop-tent.yaml").slots
    assert [(s.id, s.start, s.duration) for s in tent] == [
        (SOLDERING, datetime(2023, 10, 28, 18, 30, tzinfo=UTC), timedelta(hours=2))
    ]
    assert (venue_dir / "venue.yaml").read_bytes() == venue_before
    assert main(["check", str(venue_dir / "venue.yaml")]) == 0


def test_each_rooms_difference_is_printed_under_its_file(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _all_rooms(_upstream_with_the_tent_moved(tmp_path), venue_dir, capsys)
    assert code == 0
    lines = out.splitlines()
    main_at = lines.index(f"{venue_dir / 'main-hall.yaml'} <- {tmp_path / 'schedule-v2.xml'} "
                          "(room Main Hall)")  # fmt: skip
    tent_at = lines.index(f"{venue_dir / 'workshop-tent.yaml'} <- {tmp_path / 'schedule-v2.xml'} "
                          "(room Workshop Tent)")  # fmt: skip
    assert "- removed 'Morning after': was 11:00, 30 min" in lines[main_at:tent_at]
    assert lines[tent_at + 1] == "~ 'Soldering by lamplight': starts 20:30 (was 20:00)"


def test_dry_run_prints_every_room_and_writes_nothing(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(venue_dir)
    code, out, err = _all_rooms(
        _upstream_with_the_tent_moved(tmp_path), venue_dir, capsys, "--dry-run"
    )
    assert code == 0
    assert "~ 'Soldering by lamplight': starts 20:30 (was 20:00)" in out
    assert "- removed 'Morning after': was 11:00, 30 min" in out
    assert out.rstrip().endswith("dry run: nothing written")
    assert "wrote" not in err
    assert _files(venue_dir) == before


def test_the_same_schedule_again_changes_no_room(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = _upstream_with_the_tent_moved(tmp_path)
    _all_rooms(v2, venue_dir, capsys)
    after_first = _files(venue_dir)
    code, out, err = _all_rooms(v2, venue_dir, capsys)
    assert code == 0
    assert out.splitlines().count("no difference") == 2
    assert "wrote" not in err
    assert _files(venue_dir) == after_first


def test_one_room_that_cannot_merge_writes_no_room_at_all(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = _upstream_with_the_tent_moved(tmp_path)
    xml = v2.read_text(encoding="utf-8").replace("2023-10-29T11:15:00", "2023-10-29T10:15:00")
    v2.write_text(xml, encoding="utf-8")  # the new talk now lands on the team's breakfast
    before = _files(venue_dir)
    code, _, err = _all_rooms(v2, venue_dir, capsys)
    assert code == 2
    assert "the merged programme would not be valid" in err
    assert "room(s) 'Main Hall' not re-imported, so nothing was written" in err
    assert _files(venue_dir) == before  # the workshop tent's move is not written either


def test_a_room_new_in_the_schedule_is_written_and_the_venue_line_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = NIGHT.read_text(encoding="utf-8")
    tent = xml[xml.index('    <room name="Workshop Tent"') : xml.index("  </day>")]
    v1 = tmp_path / "v1.xml"
    v1.write_text(xml.replace(tent, ""), encoding="utf-8")  # the tent came later
    folder = tmp_path / "rooms"
    folder.mkdir()
    assert main(["import", str(v1), "--all-rooms", str(folder)]) == 0
    venue_before = (folder / "venue.yaml").read_bytes()
    code, out, _ = _all_rooms(NIGHT, folder, capsys)
    assert code == 0
    assert f"{folder / 'workshop-tent.yaml'} <- {NIGHT} (room Workshop Tent): new programme, " \
        "1 talks" in out.splitlines()  # fmt: skip
    assert (
        f"note: room 'Workshop Tent' is new; add it to {folder / 'venue.yaml'} under rooms:  "
        '- {name: "Workshop Tent", programme: workshop-tent.yaml}'
    ) in out.splitlines()
    assert main(["check", str(folder / "workshop-tent.yaml")]) == 0
    assert (folder / "venue.yaml").read_bytes() == venue_before


def test_the_room_files_are_the_ones_the_venue_file_names(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (venue_dir / "main-hall.yaml").rename(venue_dir / "plenary.yaml")
    venue = venue_dir / "venue.yaml"
    venue.write_text(
        venue.read_text(encoding="utf-8").replace("main-hall.yaml", "plenary.yaml"),
        encoding="utf-8",
    )
    code, out, _ = _all_rooms(_upstream_with_the_tent_moved(tmp_path), venue_dir, capsys)
    assert code == 0
    assert not (venue_dir / "main-hall.yaml").exists()
    plenary = {s.id: s for s in load_programme(venue_dir / "plenary.yaml").slots}
    assert plenary[OPENING].hard and MORNING not in plenary
    assert "- removed 'Morning after': was 11:00, 30 min" in out.splitlines()


def test_a_venue_file_that_does_not_load_stops_the_reimport(
    venue_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venue = venue_dir / "venue.yaml"
    venue.write_text(venue.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    before = _files(venue_dir)
    code, _, err = _all_rooms(_upstream_with_the_tent_moved(tmp_path), venue_dir, capsys)
    assert code == 2
    assert "unknown key 'colour'" in err
    assert f"{venue}: not re-imported (nothing written): fix the venue file first" in err
    assert _files(venue_dir) == before
