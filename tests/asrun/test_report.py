"""`timekeeper report`: figures of recorded runs, checked exactly in markdown, csv and json."""

# ruff: noqa: E501  (the expected reports are kept whole, line for line)

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.asrun.rig import Rig, on_disk, play
from tests.asrun.runs import seed_rehearsal, webinar_live
from tests.factories import at, seed, webinar
from timekeeper.asrun.log import read_log
from timekeeper.asrun.report import Report, build_report, render
from timekeeper.cli import main
from timekeeper.core.engine import ActionKind as K
from timekeeper.core.programme import Programme

# fmt: off
WEBINAR_MD = """\
# Test event: as-run report

**Date:** 20 November 2023 · **Times:** Europe/Amsterdam

**Run:** live show · **Log:** `2023-11-20-test-event-live.jsonl`

**Started:** 10:01:00 (planned 10:00, +1:00 late) · **Ended:** 11:43:00 (planned 11:40, +3:00 late)

Welcome 10:01–10:06 (+1:00); Talk 10:06–10:41 (35 of 30 min, +5:00 extension); Break 10:41–10:45 (cut, 4 of 10 min); Workshop 10:45–11:30 (on time); Closing 11:30–11:43 (13 of 10 min).

## Slots

| # | Slot | Planned | Actual | Start | Planned length | Actual length | Over/under | Extension | Outcome |
| --: | --- | --- | --- | --: | --: | --: | --: | --: | --- |
| 1 | Welcome | 10:00–10:05 | 10:01:00–10:06:00 | +1:00 | 5:00 | 5:00 | 0:00 | — | done |
| 2 | Talk | 10:05–10:35 | 10:06:00–10:41:00 | +1:00 | 30:00 | 35:00 | +5:00 | +5:00 | done |
| 3 | Break | 10:35–10:45 | 10:41:00–10:45:00 | +6:00 | 10:00 | 4:00 | -6:00 | — | cut by Workshop (hard start) |
| 4 | Workshop (hard) | 10:45–11:30 | 10:45:00–11:30:00 | 0:00 | 45:00 | 45:00 | 0:00 | — | done |
| 5 | Closing (manual) | 11:30–11:40 | 11:30:00–11:43:00 | 0:00 | 10:00 | 13:00 | +3:00 | — | done |

## Stream, recording and OBS

- Stream: 10:01:02–11:43:05 (1:42:03)
- Recording: 10:01:00–11:43:00 (1:42:00)
- Scene switches: 5 confirmed, delay median 75 ms, max 90 ms

## Alarms

None.

## Operator actions

3 action(s): 2 × next, 1 × extend.

| Time | Action | Live slot |
| --: | --- | --- |
| 10:01:00 | next: Welcome (starts the show) | — |
| 10:30:00 | extend 5 min | Talk |
| 11:43:00 | next (ends the show) | Closing |
"""

WEBINAR_CSV = """\
row,slot,slot_id,turn,speaker,planned_start,planned_end,actual_start,actual_end,planned_seconds,actual_seconds,start_delta_seconds,length_delta_seconds,extension_seconds,outcome,cut_by,count,by,changes
slot,Welcome,welcome,,,2023-11-20T10:00:00+01:00,2023-11-20T10:05:00+01:00,2023-11-20T10:01:00+01:00,2023-11-20T10:06:00+01:00,300,300,60,0,0,done,,,,
slot,Talk,talk,,,2023-11-20T10:05:00+01:00,2023-11-20T10:35:00+01:00,2023-11-20T10:06:00+01:00,2023-11-20T10:41:00+01:00,1800,2100,60,300,300,done,,,,
slot,Break,break,,,2023-11-20T10:35:00+01:00,2023-11-20T10:45:00+01:00,2023-11-20T10:41:00+01:00,2023-11-20T10:45:00+01:00,600,240,360,-360,0,cut,Workshop,,,
slot,Workshop,workshop,,,2023-11-20T10:45:00+01:00,2023-11-20T11:30:00+01:00,2023-11-20T10:45:00+01:00,2023-11-20T11:30:00+01:00,2700,2700,0,0,0,done,,,,
slot,Closing,closing,,,2023-11-20T11:30:00+01:00,2023-11-20T11:40:00+01:00,2023-11-20T11:30:00+01:00,2023-11-20T11:43:00+01:00,600,780,0,180,0,done,,,,
"""

SEED_MD = """\
# Test event: as-run report

**Date:** 20 November 2023 · **Times:** Europe/Amsterdam

**Run:** rehearsal (dress, pretend clock ×20) · **Log:** `2023-11-20-test-event-dress-rehearsal.jsonl`

**Started:** 15:30:00 (planned 15:30, on time) · **Ended:** 18:45:00 (planned 18:30, +15:00 late)

Introduction 15:30–15:35 (on time); Keynote 15:35–16:20 (45 of 35 min, +5:00 extension); Panel 16:20–17:20 (on time); Qa 17:20–17:45 (25 of 20 min, +5:00 extension); Reception 17:45–18:45 (on time).

## Slots

| # | Slot | Planned | Actual | Start | Planned length | Actual length | Over/under | Extension | Outcome |
| --: | --- | --- | --- | --: | --: | --: | --: | --: | --- |
| 1 | Introduction | 15:30–15:35 | 15:30:00–15:35:00 | 0:00 | 5:00 | 5:00 | 0:00 | — | done |
| 2 | Keynote | 15:35–16:10 | 15:35:00–16:20:00 | 0:00 | 35:00 | 45:00 | +10:00 | +5:00 | done |
| 3 | Panel | 16:10–17:10 | 16:20:00–17:20:00 | +10:00 | 1:00:00 | 1:00:00 | 0:00 | — | done |
| 4 | Qa | 17:10–17:30 | 17:20:00–17:45:00 | +10:00 | 20:00 | 25:00 | +5:00 | +5:00 | done |
| 5 | Reception | 17:30–18:30 | 17:45:00–18:45:00 | +15:00 | 1:00:00 | 1:00:00 | 0:00 | — | done |

## Speakers

| Slot | Turn | Speaker | Planned | Actual | Over/under | Outcome |
| --- | --: | --- | --: | --: | --: | --- |
| Keynote | — | Antonio A. Casilli | 35:00 | 45:00 | +10:00 | whole slot |
| Panel | 1 | Michele Molè | 3:00 | 3:00 | 0:00 | done |
| Panel | 2 | Beryl ter Haar | 6:00 | 7:00 | +1:00 | done |
| Panel | 3 | Tatiana Llaguno Nieves | 6:00 | 8:10 | +2:10 | done |
| Panel | 4 | Seonok Lee | 6:00 | 6:50 | +0:50 | done |
| Panel | 5 | Wike Been | 6:00 | 7:00 | +1:00 | done |
| Panel | 6 | Femke Cnossen | 6:00 | 6:00 | 0:00 | done |
| Panel | 7 | George Azzopardi | 6:00 | 7:00 | +1:00 | done |

## Stream, recording and OBS

- No stream or recording events in the log.
- Scene switches: 5 confirmed, delay median 110 ms, max 1.45 s; 1 failed (see Alarms)

## Alarms

- 16:20:00 scene switch failed: scene Panel, slot panel, OBS did not answer
- 16:34:00 timekeeper restarted and resumed the run; its last record before was at 16:30:00
- 16:50:00 OBS disconnected: connection lost
- 17:00:00 the as-run log could not be written from 17:00:00 until 17:05:00 (the disk is full); 1 record(s) were kept in memory and written late

## Operator actions

13 action(s): 2 × extend, 1 × hold, 1 × release, 8 × next turn, 1 × back.

| Time | Action | Live slot |
| --: | --- | --- |
| 15:50:00 | extend 5 min | Keynote |
| 16:14:00 | hold | Keynote |
| 16:20:00 | release | Keynote |
| 16:23:00 | next turn: Beryl ter Haar | Panel |
| 16:30:00 | next turn: Tatiana Llaguno Nieves | Panel |
| 16:37:30 | next turn: Seonok Lee | Panel |
| 16:38:00 | back | Panel |
| 16:38:10 | next turn: Seonok Lee | Panel |
| 16:45:00 | next turn: Wike Been | Panel |
| 16:52:00 | next turn: Femke Cnossen | Panel |
| 16:58:00 | next turn: George Azzopardi | Panel |
| 17:05:00 | next turn: turns done | Panel |
| 17:25:00 | extend 5 min | Qa |

## Messages to the speakers

- 17:00:00 “Please wrap up” (flash)
"""

SEED_CSV = """\
row,slot,slot_id,turn,speaker,planned_start,planned_end,actual_start,actual_end,planned_seconds,actual_seconds,start_delta_seconds,length_delta_seconds,extension_seconds,outcome,cut_by,count,by,changes
slot,Introduction,introduction,,,2023-11-20T15:30:00+01:00,2023-11-20T15:35:00+01:00,2023-11-20T15:30:00+01:00,2023-11-20T15:35:00+01:00,300,300,0,0,0,done,,,,
slot,Keynote,keynote,,Antonio A. Casilli,2023-11-20T15:35:00+01:00,2023-11-20T16:10:00+01:00,2023-11-20T15:35:00+01:00,2023-11-20T16:20:00+01:00,2100,2700,0,600,300,done,,,,
slot,Panel,panel,,,2023-11-20T16:10:00+01:00,2023-11-20T17:10:00+01:00,2023-11-20T16:20:00+01:00,2023-11-20T17:20:00+01:00,3600,3600,600,0,0,done,,,,
turn,Panel,panel,1,Michele Molè,,,2023-11-20T16:20:00+01:00,2023-11-20T16:23:00+01:00,180,180,,0,,done,,,,
turn,Panel,panel,2,Beryl ter Haar,,,2023-11-20T16:23:00+01:00,2023-11-20T16:30:00+01:00,360,420,,60,,done,,,,
turn,Panel,panel,3,Tatiana Llaguno Nieves,,,2023-11-20T16:30:00+01:00,2023-11-20T16:38:10+01:00,360,490,,130,,done,,,,
turn,Panel,panel,4,Seonok Lee,,,2023-11-20T16:38:10+01:00,2023-11-20T16:45:00+01:00,360,410,,50,,done,,,,
turn,Panel,panel,5,Wike Been,,,2023-11-20T16:45:00+01:00,2023-11-20T16:52:00+01:00,360,420,,60,,done,,,,
turn,Panel,panel,6,Femke Cnossen,,,2023-11-20T16:52:00+01:00,2023-11-20T16:58:00+01:00,360,360,,0,,done,,,,
turn,Panel,panel,7,George Azzopardi,,,2023-11-20T16:58:00+01:00,2023-11-20T17:05:00+01:00,360,420,,60,,done,,,,
slot,Qa,qa,,,2023-11-20T17:10:00+01:00,2023-11-20T17:30:00+01:00,2023-11-20T17:20:00+01:00,2023-11-20T17:45:00+01:00,1200,1500,600,300,300,done,,,,
slot,Reception,reception,,,2023-11-20T17:30:00+01:00,2023-11-20T18:30:00+01:00,2023-11-20T17:45:00+01:00,2023-11-20T18:45:00+01:00,3600,3600,900,0,0,done,,,,
alarm,,,,,,,2023-11-20T16:20:00+01:00,2023-11-20T16:20:00+01:00,,,,,,"scene switch failed: scene Panel, slot panel, OBS did not answer",,1,,
alarm,,,,,,,2023-11-20T16:34:00+01:00,2023-11-20T16:34:00+01:00,,,,,,timekeeper restarted and resumed the run; its last record before was at 16:30:00,,1,,
alarm,,,,,,,2023-11-20T16:50:00+01:00,2023-11-20T16:50:00+01:00,,,,,,OBS disconnected: connection lost,,1,,
alarm,,,,,,,2023-11-20T17:00:00+01:00,2023-11-20T17:00:00+01:00,,,,,,the as-run log could not be written from 17:00:00 until 17:05:00 (the disk is full); 1 record(s) were kept in memory and written late,,1,,
"""
# fmt: on


def _report(run: Any, tmp_path: Path) -> tuple[Report, Programme]:
    path, prog = run(tmp_path / "event")
    return build_report(read_log(path), prog), prog


def test_worked_example_figures(tmp_path: Path) -> None:
    report, prog = _report(webinar_live, tmp_path)
    assert report.summary == (
        "Welcome 10:01–10:06 (+1:00); Talk 10:06–10:41 (35 of 30 min, +5:00 extension); "
        "Break 10:41–10:45 (cut, 4 of 10 min); Workshop 10:45–11:30 (on time); "
        "Closing 11:30–11:43 (13 of 10 min)."
    )  # docs/timing.md's report line, word for word
    assert render(report, prog, "markdown") == WEBINAR_MD
    assert render(report, prog, "csv") == WEBINAR_CSV
    data = json.loads(render(report, prog, "json"))
    assert data["summary"] == report.summary
    assert (data["start_delay_seconds"], data["end_delta_seconds"]) == (60, 180)
    assert [
        (
            s["id"],
            s["actual_seconds"],
            s["length_delta_seconds"],
            s["extension_seconds"],
            s["outcome"],
            s["cut_by"],
        )
        for s in data["slots"]
    ] == [
        ("welcome", 300, 0, 0, "done", None),
        ("talk", 2100, 300, 300, "done", None),
        ("break", 240, -360, 0, "cut", "Workshop"),
        ("workshop", 2700, 0, 0, "done", None),
        ("closing", 780, 180, 0, "done", None),
    ]
    assert data["stream"] == [
        {"start": "2023-11-20T10:01:02+01:00", "end": "2023-11-20T11:43:05+01:00"}
    ]
    assert data["recording"] == [
        {"start": "2023-11-20T10:01:00+01:00", "end": "2023-11-20T11:43:00+01:00"}
    ]
    assert data["scene_switches"] == {"confirmed": 5, "failed": 0, "median_ms": 75, "max_ms": 90}
    assert data["alarms"] == []
    assert data["operator_actions"]["counts"] == {"next": 2, "extend": 1}
    assert data["warnings"] == []


def test_seed_rehearsal_at_high_speed_with_overruns(tmp_path: Path) -> None:
    report, prog = _report(seed_rehearsal, tmp_path)
    assert render(report, prog, "markdown") == SEED_MD
    assert render(report, prog, "csv") == SEED_CSV
    data = json.loads(render(report, prog, "json"))
    assert data["run"] == "rehearsal (dress, pretend clock ×20)"
    assert (data["start_delay_seconds"], data["end_delta_seconds"]) == (0, 900)
    assert [
        (
            s["id"],
            s["start_delta_seconds"],
            s["actual_seconds"],
            s["length_delta_seconds"],
            s["extension_seconds"],
        )
        for s in data["slots"]
    ] == [
        ("introduction", 0, 300, 0, 0),
        ("keynote", 0, 2700, 600, 300),
        ("panel", 600, 3600, 0, 0),
        ("qa", 600, 1500, 300, 300),
        ("reception", 900, 3600, 0, 0),
    ]
    turns = [
        (t["speaker"], t["actual_seconds"], t["delta_seconds"]) for t in data["slots"][2]["turns"]
    ]
    assert turns == [
        ("Michele Molè", 180, 0),
        ("Beryl ter Haar", 420, 60),
        ("Tatiana Llaguno Nieves", 490, 130),
        ("Seonok Lee", 410, 50),
        ("Wike Been", 420, 60),
        ("Femke Cnossen", 360, 0),
        ("George Azzopardi", 420, 60),
    ]
    assert data["scene_switches"] == {"confirmed": 5, "failed": 1, "median_ms": 110, "max_ms": 1450}
    assert [(a["at"][11:19], a["kind"]) for a in data["alarms"]] == [
        ("16:20:00", "scene_switch_failed"),
        ("16:34:00", "resume"),
        ("16:50:00", "obs_disconnected"),
        ("17:00:00", "log_error"),
    ]
    assert data["operator_actions"]["counts"] == {
        "extend": 2,
        "hold": 1,
        "release": 1,
        "next_turn": 8,
        "back": 1,
    }
    assert data["messages"] == [
        {"at": "2023-11-20T17:00:00+01:00", "kind": "flash", "text": "Please wrap up"}
    ]
    assert data["warnings"] == []


def test_a_log_that_ends_mid_show(tmp_path: Path) -> None:
    prog = on_disk(seed(), tmp_path)
    rig = Rig(prog, at("15:25"))
    play(rig, "16:40:12")
    report = build_report(read_log(rig.path), prog)
    assert report.ended is None and report.end_delta is None
    panel = report.slots[2]
    assert panel.outcome == "live" and panel.actual_end is None
    assert panel.note == "Panel 16:20– (live when the log ends)"
    assert [t.outcome for t in panel.turns] == ["done", "done", "done", "live"] + [
        "not reached"
    ] * 3
    assert report.slots[3].note == "Qa (not reached)"
    text = render(report, prog)
    assert "**Ended:** — (the log ends at 16:38:10; planned 18:30)" in text
    assert (
        "| 3 | Panel | 16:10–17:10 | 16:20:00–… | +10:00 | 1:00:00 | — | — | — | live when the log ends |"
        in text
    )


def test_two_runs_interleaved_in_one_log_are_a_warning_not_a_silent_drop(
    tmp_path: Path,
) -> None:
    """The issue's case, as an older timekeeper (no lock) let it happen: a second run resumed
    the log while the first went on writing; their sequence numbers collide."""
    prog = on_disk(seed(), tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:50")
    first.crash()  # its lock is gone, but the process goes on writing: no lock in the old days
    second = Rig(prog, at("15:50"), real=first.real)
    first.act(K.EXTEND, 5)  # seq n on the first run's count ...
    second.act(K.NEXT)  # ... and seq n again on the second's
    first.to("16:00")
    contents = read_log(first.path)
    seqs = [r["seq"] for r in contents.records]
    assert len(seqs) > len(set(seqs))  # the records are kept, duplicates and all
    report = build_report(contents, prog)
    [interleaved] = [w for w in report.warnings if "two runs wrote this log" in w]
    assert "interleaved" in interleaved and "may be wrong" in interleaved
    assert {"extend", "next"} <= {a.kind for a in report.actions}  # neither run's action lost
    text = render(report, prog)
    assert "## Warnings" in text and "two runs wrote this log at the same time" in text


def test_a_changed_programme_is_a_warning(tmp_path: Path) -> None:
    path, prog = webinar_live(tmp_path)
    report = build_report(read_log(path), replace(prog, digest="0" * 64))
    assert len(report.warnings) == 1 and "programme file has changed" in report.warnings[0]
    assert "## Warnings" in render(report, prog)


def test_skipped_slots_and_jumps(tmp_path: Path) -> None:
    prog = on_disk(webinar(), tmp_path)
    rig = Rig(prog, at("09:50"))
    rig.to("10:00")
    rig.act(K.NEXT)
    rig.to("10:03")
    rig.act(K.JUMP, slot="break")
    rig.to("10:04")
    rig.act(K.EXTEND, -2)
    rig.to("11:41")
    rig.act(K.END)
    report = build_report(read_log(rig.path), prog)
    assert report.summary == (
        "Welcome 10:00–10:03 (3 of 5 min); Talk (skipped); "
        "Break 10:03–10:11 (-32:00, 8 of 10 min, shortened by 2:00); "
        "Workshop 10:45–11:30 (on time); Closing 11:30–11:41 (11 of 10 min)."
    )
    actions = [(a.text, a.slot) for a in report.actions]
    assert actions == [
        ("next: Welcome (starts the show)", None),
        ("jump to Break", "Welcome"),
        ("shorten 2 min", "Break"),
        ("end", "Closing"),
    ]
    assert "done (jumped away)" in render(report, prog)


def test_report_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI finds the programme the log names and writes each format where asked."""
    path, prog = webinar_live(tmp_path)
    loaded: list[Path] = []

    def load_programme(where: Path) -> Programme:
        loaded.append(Path(where))
        return prog

    loader = types.ModuleType("timekeeper.programme.loader")
    loader.load_programme = load_programme  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "timekeeper.programme.loader", loader)
    if "timekeeper.programme" not in sys.modules:
        monkeypatch.setitem(
            sys.modules, "timekeeper.programme", types.ModuleType("timekeeper.programme")
        )

    assert main(["report", str(path)]) == 0
    assert capsys.readouterr().out == WEBINAR_MD
    assert loaded == [tmp_path / "programme.yaml"]
    out = tmp_path / "report.csv"
    assert main(["report", str(path), "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text() == WEBINAR_CSV
    assert main(["report", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"].startswith("Welcome 10:01–10:06")

    (tmp_path / "programme.yaml").rename(tmp_path / "moved.yaml")
    assert main(["report", str(path)]) == 2
    assert "programme of" in capsys.readouterr().err


def test_switches_without_delays_still_report() -> None:
    """A confirmed switch logged without a delay (e.g. OBS already showed the scene)."""
    from timekeeper.asrun.report.records import switches as _switches

    summary = _switches([{"event": "scene_switch_confirmed"}, {"event": "scene_switch_failed"}])
    assert summary is not None
    assert (summary.confirmed, summary.failed, summary.median) == (1, 1, None)


def test_resync_switches_after_a_resume_are_not_timed() -> None:
    from timekeeper.asrun.report.records import switches as _switches

    records = [
        {"event": "scene_switch_confirmed", "key": "panel:scene:t", "confirm_delay": 30},
        {"event": "scene_switch_confirmed", "key": "panel:scene:t:sync", "confirm_delay": 0},
    ]
    summary = _switches(records)
    assert summary is not None and summary.confirmed == 1
    assert summary.median is not None and summary.median.total_seconds() == 0.03


def test_a_missing_scene_and_an_unsynchronised_clock_are_alarms() -> None:
    """What the scene watch and the clock check log is in the report, in the operator's words."""
    from timekeeper.asrun.report.records import alarms

    records: list[dict[str, object]] = [
        {"record": "event", "event": "clock_alarm", "at": "2023-11-20T14:20:00+00:00",
         "synced": False, "message": "the clock is NOT synchronised (adjtimex)"},
        {"record": "event", "event": "clock_check", "at": "2023-11-20T14:21:00+00:00",
         "synced": True, "message": "clock synchronised, offset +0.4 ms"},
        {"record": "event", "event": "scene_missing", "at": "2023-11-20T14:40:00+00:00",
         "scene": "Q&A", "suggestion": "Q&A 2", "cause": "renamed"},
    ]  # fmt: skip
    lines = alarms(seed(), records)
    assert [line.kind for line in lines] == ["clock_alarm", "scene_missing"]
    assert "NOT synchronised" in lines[0].text
    assert "Q&A" in lines[1].text
