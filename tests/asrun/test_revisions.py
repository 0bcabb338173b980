"""Accepted revisions are durable: a run killed after two of them resumes exactly where it was."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.asrun.rig import Rig
from tests.factories import at
from timekeeper.asrun.log import read_log
from timekeeper.asrun.report import build_report, render
from timekeeper.core.engine import ActionKind, advance
from timekeeper.core.programme import Programme
from timekeeper.core.status import evaluate
from timekeeper.programme.loader import read_programme
from timekeeper.show.revisions import journal

SEED = (Path(__file__).resolve().parents[2] / "programme.yaml").read_text(encoding="utf-8")
LONGER_KEYNOTE = SEED.replace(
    'start: "15:35"\n    duration: 35m', 'start: "15:35"\n    duration: 40m'
).replace('start: "16:10"\n    duration: 1h', "duration: 55m")
SWAPPED = LONGER_KEYNOTE.replace("Seonok Lee", "Ada Lovelace")
BREAK = SWAPPED.replace(
    'start: "17:10"\n    duration: 20m', 'start: "17:10"\n    duration: 15m'
).replace(
    "  - id: reception",
    "  - id: break\n    title: Coffee break\n    duration: 5m\n    scene: Break\n\n"
    "  - id: reception",
)


def save(folder: Path, text: str) -> tuple[Programme, bytes]:
    path = folder / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    programme, data, _ = read_programme(path)
    return programme, data


def accept(rig: Rig, programme: Programme, data: bytes) -> None:
    rig.session.revise(programme, "operator", journal(rig.run, programme, data, "operator"))


def test_sigkill_after_two_revisions_resumes_the_same_state(tmp_path: Path) -> None:
    event = tmp_path / "event"
    event.mkdir()
    first_version, _ = save(event, SEED)
    first = Rig(first_version, at("15:25"))
    first.to("15:40")  # the keynote is live
    longer, data = save(event, LONGER_KEYNOTE)
    first.to("15:41")
    accept(first, longer, data)
    first.to("16:16")  # the panel started at 16:15, the keynote's new deadline
    first.act(ActionKind.NEXT_TURN)  # Beryl ter Haar
    swapped, data = save(event, SWAPPED)
    first.to("16:17")
    accept(first, swapped, data)
    first.to("16:30")
    state = first.session.state
    assert state.records[1].actual_end == at("16:15")
    assert [t.speaker for t in state.programme.slots[2].turns][3] == "Ada Lovelace"
    first.crash()  # SIGKILL: nothing closed, nothing more written; the lock dies with it
    del first.session

    # the file is edited once more (not accepted) before the restart
    offered, _ = save(event, BREAK)
    first.real.advance(at("16:31") - at("16:30"))
    second = Rig(offered, at("16:31"), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None and resumed.ok, resumed and resumed.mismatches
    expected, _ = advance(state, at("16:31"))
    got = second.session.state
    assert got.records == expected.records and got.mode == expected.mode
    assert got.programme.slots == expected.programme.slots  # the logged version, not the file
    assert evaluate(got, at("16:31")).slots == evaluate(expected, at("16:31")).slots
    # the edited file is not mixed in: it is offered as a change
    assert resumed.offered is not None and resumed.offered.digest == offered.digest
    assert any("differs from the version this run last ran under" in n for n in resumed.notes)


def test_each_revision_is_in_the_log_at_its_instant_with_its_copy(tmp_path: Path) -> None:
    event = tmp_path / "event"
    event.mkdir()
    start, _ = save(event, SEED)
    rig = Rig(start, at("15:25"))
    rig.to("15:40")
    longer, data = save(event, LONGER_KEYNOTE)
    accept(rig, longer, data)
    records = read_log(rig.path).records
    revision = next(r for r in records if r.get("record") == "revision")
    assert datetime.fromisoformat(revision["at"]) == at("15:40") and revision["by"] == "operator"
    copy = rig.path.parent / str(revision["copy"])
    assert copy.read_bytes() == data and revision["sha256"] == longer.digest
    header_copy = rig.path.parent / "programmes" / f"{start.digest}.yaml"
    assert header_copy.read_text(encoding="utf-8") == SEED  # the version the run started with
    kinds = [r.get("event") or r.get("record") for r in records]
    assert kinds.index("revision") < kinds.index("revised")  # named before its effects


def test_a_run_resumed_with_an_edited_file_goes_on_as_logged(tmp_path: Path) -> None:
    event = tmp_path / "event"
    event.mkdir()
    start, _ = save(event, SEED)
    first = Rig(start, at("15:25"))
    first.to("15:40")
    first.crash()
    del first.session
    edited, _ = save(event, LONGER_KEYNOTE)  # edited while timekeeper was down
    second = Rig(edited, at("15:42"), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None and resumed.ok
    assert second.session.state.programme.slots[1].duration == start.slots[1].duration
    assert resumed.offered is not None and resumed.offered.digest == edited.digest


def test_the_report_lists_each_revision_and_reports_the_plan_as_it_ran(tmp_path: Path) -> None:
    event = tmp_path / "event"
    event.mkdir()
    start, _ = save(event, SEED)
    rig = Rig(start, at("15:25"))
    rig.to("15:40")
    longer, data = save(event, LONGER_KEYNOTE)
    accept(rig, longer, data)
    rig.to("16:16")
    swapped, data = save(event, SWAPPED)
    accept(rig, swapped, data)
    rig.to("16:20")
    # the file changes again afterwards: the report still reads the versions that ran
    later, _ = save(event, BREAK)
    report = build_report(read_log(rig.path), later)
    text = render(report, later)
    section = text.split("## Programme revisions\n\n")[1].split("\n\n")[0].splitlines()
    assert section[0].startswith("- 15:40:00 accepted by operator: ~ 'Keynote lecture': 40 min")
    assert section[1].startswith("- 16:16:00 accepted by operator: ~ 'Panel discussion'")
    assert "turn 4: Ada Lovelace (was Seonok Lee)" in section[1]
    keynote = next(row for row in report.slots if row.id == "keynote")
    assert (keynote.actual_start, keynote.actual_end) == (at("15:35"), at("16:15"))
    assert not [w for w in report.warnings if "differs" in w]


def test_the_csv_report_has_a_row_per_revision_with_who_and_what_changed(tmp_path: Path) -> None:
    import csv
    import io

    event = tmp_path / "event"
    event.mkdir()
    start, _ = save(event, SEED)
    rig = Rig(start, at("15:25"))
    rig.to("15:40")
    longer, data = save(event, LONGER_KEYNOTE)
    accept(rig, longer, data)
    rig.to("16:16")
    swapped, data = save(event, SWAPPED)
    rig.session.revise(swapped, "api:tablet", journal(rig.run, swapped, data, "api:tablet"))
    rig.to("16:20")
    report = build_report(read_log(rig.path), swapped)
    rows = list(csv.DictReader(io.StringIO(render(report, swapped, "csv"))))
    revisions = [r for r in rows if r["row"] == "revision"]
    assert [(r["actual_start"], r["by"]) for r in revisions] == [
        ("2023-11-20T15:40:00+01:00", "operator"),
        ("2023-11-20T16:16:00+01:00", "api:tablet"),
    ]
    assert revisions[0]["changes"].startswith("~ 'Keynote lecture': 40 min (was 35 min); ")
    assert "turn 4: Ada Lovelace (was Seonok Lee)" in revisions[1]["changes"]
    assert "accepted by" not in revisions[1]["changes"]
    slots = [r for r in rows if r["row"] == "slot"]
    assert all(r["by"] == "" and r["changes"] == "" for r in slots)
