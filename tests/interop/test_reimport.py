"""Re-import: a newer schedule merged into a programme the team edited (issue 15, item 2).

The team's additions (turns, hard, scene, texts, thresholds, notes, roles, their
own slots, their comments) survive; the conference's changes (times, titles,
speakers, opt-outs, cancellations, new talks) come in; the difference is printed
slot by slot before anything is written, and `--dry-run` prints only that.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.interop.conftest import SampleFinder
from timekeeper.cli import main
from timekeeper.core.programme import ObsAction
from timekeeper.programme.loader import load_programme

from .conftest import FIXTURES

NIGHT = FIXTURES / "nightcamp-frab.xml"
OPENING = "6f1d2c3a-0001-4b6e-9d5c-111111111111"
ACROSS = "6f1d2c3a-0002-4b6e-9d5c-222222222222"
SECOND = "6f1d2c3a-0004-4b6e-9d5c-444444444444"
MORNING = "6f1d2c3a-0006-4b6e-9d5c-666666666666"
CLOSING = "6f1d2c3a-0007-4b6e-9d5c-777777777777"
NEW = "6f1d2c3a-0008-4b6e-9d5c-888888888888"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _edited_by_the_team(path: Path) -> None:
    """What a team does to an imported programme before the show."""
    text = path.read_text(encoding="utf-8")
    text = _replace(
        text,
        """    speakers: ["Ada Nightingale", "Grace Owl"]
    scene: "Stage"
""",
        """    # camera 2 stays on Grace during the opening
    speakers:
      - {name: Ada Nightingale, role: Host}
      - Grace Owl
    turns:
      - {speaker: Ada Nightingale, duration: 20m}
      - {speaker: Grace Owl, duration: 20m}
    hard: true
    warning: 10m
    scene: "Stage wide"   # the wide shot for the opening
    texts: {"Lower third": "{speaker}"}
""",
    )
    text = _replace(
        text,
        """  - id: 6f1d2c3a-0006-4b6e-9d5c-666666666666
    title: "Morning after"
""",
        """  # ---- day 2: breakfast, then the talks ----
  - id: breakfast
    title: Breakfast on the lawn
    start: "2023-10-29T10:00+01:00"
    duration: 45m
    scene: Break
  - id: 6f1d2c3a-0006-4b6e-9d5c-666666666666
    title: "Morning after"
    advance: manual
""",
    )
    text = _replace(
        text,
        """    title: "Closing, past midnight again"
""",
        """    title: "Closing, past midnight again"
    notes: "Ada brings the lantern"   # props
""",
    )
    path.write_text(text, encoding="utf-8")


def _changed_upstream(folder: Path) -> Path:
    """The conference's next version of the schedule."""
    xml = NIGHT.read_text(encoding="utf-8")
    xml = _replace(
        xml, "<date>2023-10-28T22:00:00+02:00</date>", "<date>2023-10-28T22:05:00+02:00</date>"
    )
    xml = _replace(xml, "<duration>00:45</duration>", "<duration>00:40</duration>")
    xml = _replace(
        xml,
        "<title>Opening: a night without end</title>",
        "<title>Opening: a night without an end</title>",
    )
    xml = _replace(
        xml,
        '<person id="3">Linus Lark</person>',
        '<person id="3">Linus Lark</person><person id="9">Nina Nightjar</person>',
    )
    xml = _replace(
        xml, "<date>2023-10-29T02:15:00+01:00</date>", "<date>2023-10-29T02:30:00+01:00</date>"
    )
    morning = xml[xml.index('<event guid="6f1d2c3a-0006') : xml.index('<event guid="6f1d2c3a-0007')]
    new_talk = (
        morning.replace("0006-4b6e-9d5c-666666666666", "0008-4b6e-9d5c-888888888888")
        .replace("Morning after", "Coffee and questions")
        .replace("11:00:00", "11:15:00")
    )
    xml = xml.replace(morning, new_talk)  # Morning after cancelled, a new talk instead
    xml = _replace(
        xml,
        "<slug>nightcamp23-107-closing</slug>",
        "<slug>nightcamp23-107-closing</slug><recording><optout>true</optout></recording>",
    )
    path = folder / "schedule-v2.xml"
    path.write_text(xml, encoding="utf-8")
    return path


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    programme = tmp_path / "main.yaml"
    assert main(["import", str(NIGHT), "--room", "Main Hall", "-o", str(programme)]) == 0
    _edited_by_the_team(programme)
    assert main(["check", str(programme)]) == 0
    return programme


def _reimport(
    schedule: Path, programme: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["import", str(schedule), "--room", "Main Hall", "-o", str(programme), *extra])
    return code, capsys.readouterr().out


def test_reimport_keeps_the_teams_work_and_takes_the_conferences_changes(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _reimport(_changed_upstream(tmp_path), edited, capsys)
    assert code == 0
    programme = load_programme(edited)
    slots = {s.id: s for s in programme.slots}
    opening = slots[OPENING]
    # the conference's side
    assert opening.title == "Opening: a night without an end"
    assert opening.start == datetime(2023, 10, 28, 20, 5, tzinfo=UTC)
    assert opening.duration == timedelta(minutes=40)
    # the team's side
    assert opening.hard and opening.scene == "Stage wide"
    assert opening.warning == timedelta(minutes=10)
    assert [(t.speaker, t.duration) for t in opening.turns] == [
        ("Ada Nightingale", timedelta(minutes=20)),
        ("Grace Owl", timedelta(minutes=20)),
    ]
    assert opening.speakers[0].role == "Host"
    assert opening.texts == (("Lower third", "{speaker}"),)
    assert [s.name for s in slots[ACROSS].speakers] == ["Linus Lark", "Nina Nightjar"]
    assert slots[SECOND].start == datetime(2023, 10, 29, 1, 30, tzinfo=UTC)
    # the changeover before it grew with it
    before = slots[f"changeover-{SECOND}"]
    assert (before.start, before.end) == (
        datetime(2023, 10, 29, 0, 0, tzinfo=UTC),
        datetime(2023, 10, 29, 1, 30, tzinfo=UTC),
    )
    # their own slot stays; the cancelled talk leaves the running order; the new one comes in
    assert slots["breakfast"].start == datetime(2023, 10, 29, 9, 0, tzinfo=UTC)
    assert MORNING not in slots
    assert slots[NEW].title == "Coffee and questions"
    assert slots[NEW].on_start == (ObsAction.START_STREAMING, ObsAction.START_RECORDING)
    # the conference now opts the closing out of recording; the team's note stays
    assert ObsAction.START_RECORDING not in slots[CLOSING].on_start
    assert ObsAction.STOP_RECORDING not in slots[CLOSING].on_end
    assert slots[CLOSING].notes == "Ada brings the lantern"
    assert main(["check", str(edited)]) == 0


def test_the_teams_comments_survive_and_the_cancelled_talk_stays_as_a_comment(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _reimport(_changed_upstream(tmp_path), edited, capsys)
    text = edited.read_text(encoding="utf-8")
    assert "    # camera 2 stays on Grace during the opening\n" in text
    assert 'scene: "Stage wide"   # the wide shot for the opening' in text
    assert "  # ---- day 2: breakfast, then the talks ----\n  - id: breakfast\n" in text
    assert 'notes: "Ada brings the lantern"   # props' in text
    assert "  # removed by re-import: 'Morning after' is no longer in the schedule" in text
    assert "  #   advance: manual\n" in text  # what the team wrote for it, kept to restore
    assert "# Check it with:  timekeeper check THIS-FILE" in text


def test_the_difference_is_printed_slot_by_slot(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _reimport(_changed_upstream(tmp_path), edited, capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("schedule-v2.xml (room Main Hall)")
    assert (
        "~ 'Opening: a night without an end': starts 22:05 (was 22:00); "
        "40 min (was 45 min); retitled (was 'Opening: a night without end')"
    ) in lines
    assert "~ 'Across midnight': speakers +Nina Nightjar" in lines
    assert "- removed 'Morning after': was 11:00, 30 min" in lines
    assert any(line.startswith("+ added 'Coffee and questions': 11:15–11:45") for line in lines)
    assert any(
        line.startswith("~ 'Closing, past midnight again': on_start, on_end changed")
        for line in lines
    )
    assert (
        "note: kept 1 slot(s) of your own the schedule does not have: "
        "'Breakfast on the lawn'" in lines
    )


def test_dry_run_prints_the_difference_and_writes_nothing(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = edited.read_bytes()
    code, out = _reimport(_changed_upstream(tmp_path), edited, capsys, "--dry-run")
    assert code == 0
    assert "- removed 'Morning after': was 11:00, 30 min" in out
    assert out.rstrip().endswith("dry run: nothing written")
    assert edited.read_bytes() == before


def test_reimporting_the_same_schedule_again_changes_nothing(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = _changed_upstream(tmp_path)
    _reimport(v2, edited, capsys)
    after_first = edited.read_bytes()
    code, out = _reimport(v2, edited, capsys)
    assert code == 0
    assert "no difference" in out.splitlines()
    assert edited.read_bytes() == after_first


def test_a_slot_in_flow_style_is_written_anew_and_the_output_says_its_comments_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    programme = tmp_path / "main.yaml"
    assert main(["import", str(NIGHT), "--room", "Main Hall", "-o", str(programme)]) == 0
    text = programme.read_text(encoding="utf-8")
    start = text.index(f"  - id: {OPENING}")
    end = text.index("  - id: changeover-", start)
    flow_item = (
        f'  - {{id: {OPENING}, title: "Opening", start: "2023-10-28T22:00+02:00",\n'
        "     duration: 45m, scene: Stage, hard: true}  # ours\n"
    )
    programme.write_text(text[:start] + flow_item + text[end:], encoding="utf-8")
    code, out = _reimport(_changed_upstream(tmp_path), programme, capsys)
    assert code == 0
    assert (
        "note: 'Opening: a night without an end' is written in flow style: written anew, "
        "comments inside it not kept" in out
    )
    opening = load_programme(programme).slots[0]
    assert opening.hard and opening.start == datetime(2023, 10, 28, 20, 5, tzinfo=UTC)


def test_a_merge_that_would_not_be_valid_writes_nothing_and_says_why(
    edited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v2 = _changed_upstream(tmp_path)
    xml = v2.read_text(encoding="utf-8").replace("2023-10-29T11:15:00", "2023-10-29T10:15:00")
    v2.write_text(xml, encoding="utf-8")  # the new talk now lands on the team's breakfast
    before = edited.read_bytes()
    capsys.readouterr()
    code = main(["import", str(v2), "--room", "Main Hall", "-o", str(edited)])
    err = capsys.readouterr().err
    assert code == 2
    assert "the merged programme would not be valid" in err
    assert "Breakfast on the lawn" in err or "overlap" in err
    assert edited.read_bytes() == before


def test_dry_run_needs_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["import", str(NIGHT), "--room", "Main Hall", "-o", str(tmp_path / "new.yaml"), "--dry-run"]
    )
    assert code == 2
    assert "does not exist; nothing to re-import into" in capsys.readouterr().err


def test_a_real_pretalx_schedule_reimports_with_a_cancellation(
    real_sample: SampleFinder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = real_sample("pretalx-democon.json")
    programme = tmp_path / "gray.yaml"
    assert main(["import", str(source), "--room", "Gray Room", "-o", str(programme)]) == 0
    first = load_programme(programme).slots[0]
    text = programme.read_text(encoding="utf-8")
    text = _replace(
        text, f"  - id: {first.id}\n", f"  # ours\n  - id: {first.id}\n    hard: true\n"
    )
    programme.write_text(text, encoding="utf-8")
    data = json.loads(source.read_text(encoding="utf-8"))
    cancelled = None
    for day in data["schedule"]["conference"]["days"]:
        talks = day["rooms"].get("Gray Room", [])
        if talks and cancelled is None:
            cancelled = talks.pop()
    assert cancelled is not None
    v2 = tmp_path / "democon-v2.json"
    v2.write_text(json.dumps(data), encoding="utf-8")
    code, out = _reimport_room(v2, programme, "Gray Room", capsys)
    assert code == 0
    after = load_programme(programme)
    assert after.slots[0].hard
    assert cancelled["guid"] not in {s.id for s in after.slots}
    assert f"- removed '{cancelled['title']}'" in out
    talks = [s for s in after.slots if not s.id.startswith("changeover-")]
    assert len(talks) == 26  # 27 in the Gray Room, one cancelled
    assert "  # ours\n" in programme.read_text(encoding="utf-8")


def _reimport_room(
    schedule: Path, programme: Path, room: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["import", str(schedule), "--room", room, "-o", str(programme)])
    return code, capsys.readouterr().out
