"""Alarms like a stage manager's notes: a repeated alarm is one line with its span and count.

A rehearsal without OBS used to report 77 identical "OBS connect failed" lines.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from tests.asrun.rig import Rig, on_disk
from tests.factories import at, seed
from timekeeper.asrun.log import read_log
from timekeeper.asrun.repeats import GAP, Repeats
from timekeeper.asrun.report import build_report, render

REFUSED = "connection refused: is OBS running with its WebSocket server on?"


def rehearsal_without_obs(folder: Path) -> Rig:
    """A dress rehearsal at ×10 from 15:29:10 with OBS never there until 17:55; then a switch
    that fails three times before it is confirmed, and a second, short outage."""
    prog = on_disk(seed(), folder)
    rig = Rig(prog, at("15:29:10"), speed=10, simulated=True, mode="dress", rehearsal=True)
    step = (at("17:50:02") - at("15:29:10")) / 76  # 111 show s = 11 real s: the backoff's 10 s
    for attempt in range(1, 78):
        rig.to(at("17:50:02") if attempt == 77 else at("15:29:10") + step * (attempt - 1))
        error = REFUSED if attempt < 77 else "timed out after 2 s"
        rig.obs("obs_connect_failed", url="ws://127.0.0.1:4455", error=error, attempt=attempt)
    rig.to("17:55")
    rig.obs("obs_connected")
    for _ in range(3):
        rig.obs("scene_switch_failed", scene="Reception", error="OBS did not confirm")
    rig.obs("scene_switch_confirmed", scene="Reception", confirm_delay=40)
    rig.to("18:00")
    rig.obs("obs_disconnected", reason="connection lost")
    rig.obs("obs_connect_failed", error=REFUSED, attempt=1)
    rig.to("18:00:30")
    rig.obs("obs_connect_failed", error=REFUSED, attempt=2)
    rig.obs("obs_connected")
    rig.run.log.close()
    return rig


def test_a_rehearsal_without_obs_reports_one_line_per_outage(tmp_path: Path) -> None:
    rig = rehearsal_without_obs(tmp_path)
    prog = rig.programme
    report = build_report(read_log(rig.path), prog)
    text = render(report, prog, "markdown")
    alarms = text.split("## Alarms\n\n")[1].split("\n\n")[0].splitlines()
    assert alarms == [
        f"- 15:29:10–17:50:02 OBS unreachable, 77 attempts: {REFUSED} (last: timed out after 2 s)",
        "- 17:55:00 scene switch failed (Reception), 3 times: OBS did not confirm",
        "- 18:00:00 OBS disconnected: connection lost",
        f"- 18:00:00–18:00:30 OBS unreachable, 2 attempts: {REFUSED}",
    ]
    data = json.loads(render(report, prog, "json"))
    first = data["alarms"][0]
    assert (first["at"], first["until"], first["count"]) == (
        "2023-11-20T15:29:10+01:00",
        "2023-11-20T17:50:02+01:00",
        77,
    )
    assert "count" not in data["alarms"][2]  # a single alarm reads as before
    rows = [
        r for r in csv.DictReader(io.StringIO(render(report, prog, "csv"))) if r["row"] == "alarm"
    ]
    assert [(r["actual_start"][11:19], r["actual_end"][11:19], r["count"]) for r in rows] == [
        ("15:29:10", "17:50:02", "77"),
        ("17:55:00", "17:55:00", "3"),
        ("18:00:00", "18:00:00", "1"),
        ("18:00:00", "18:00:30", "2"),
    ]
    assert (
        sum(1 for r in read_log(rig.path).records if r.get("event") == "obs_connect_failed") == 79
    )


def test_repeats_far_apart_in_real_time_are_separate_lines() -> None:
    repeats = Repeats()
    start = at("15:00")
    one = repeats.feed({"event": "obs_disconnected"}, start, "lost")
    again = repeats.feed({"event": "obs_disconnected"}, start + GAP, "lost")
    assert one is not None and again is not None and again.count == 2
    later = repeats.feed({"event": "obs_disconnected"}, start + GAP * 2 + timedelta(seconds=1))
    assert later is not None and later.count == 1  # a new story


def test_the_gap_is_real_time_so_a_fast_rehearsal_still_merges() -> None:
    repeats = Repeats()
    show, real = at("15:00"), at("09:00")
    for n in range(1, 4):  # ×600: 10 real seconds are 100 show minutes
        series = repeats.feed(
            {"event": "obs_connect_failed"},
            show + timedelta(minutes=100) * n,
            REFUSED,
            real + timedelta(seconds=10) * n,
        )
    assert series is not None and series.count == 3


def test_different_subjects_and_recoveries_keep_series_apart() -> None:
    repeats = Repeats()
    now = at("16:00")
    a = repeats.feed({"event": "scene_switch_failed", "scene": "Panel"}, now)
    b = repeats.feed({"event": "scene_switch_failed", "scene": "Q&A"}, now)
    assert a is not None and b is not None and a.key != b.key and b.count == 1
    assert [s.subject for s in repeats.closing({"event": "scene_switch_confirmed"})] == []
    again = repeats.feed({"event": "scene_switch_failed", "scene": "Panel"}, now)
    assert again is not None and again.count == 2
    assert [s.subject for s in repeats.closing({"event": "scene_switch_confirmed"})] == ["Panel"]
    assert repeats.feed({"event": "scene_switch_confirmed"}, now) is None
    fresh = repeats.feed({"event": "scene_switch_failed", "scene": "Panel"}, now)
    assert fresh is not None and fresh.count == 1
    assert repeats.feed({"event": "resume"}, now) is None  # its own story: never merged


def test_the_live_event_log_shows_the_first_updates_one_line_and_sums_up() -> None:
    from timekeeper.asrun.repeats import EventLogRepeats

    log = EventLogRepeats(seed().tz)
    show, real = at("15:29:10"), at("09:00")
    shown = []
    for n in range(77):
        instant = show + timedelta(seconds=111) * n
        data = {"error": REFUSED, "attempt": n + 1, "at": instant.isoformat()}
        handled = instant + timedelta(seconds=1.5)  # a busy loop: the record's own instant counts
        shown += log.shown("obs_connect_failed", data, handled, real + timedelta(seconds=11) * n)
    first, *repeats = shown
    assert first.event == "obs_connect_failed" and not first.update and "at" not in first.data
    assert len(repeats) == 76 and all(s.update and s.event == "repeated" for s in repeats)
    assert {s.data["series"] for s in shown} == {first.data["series"]}  # one line, updated
    assert repeats[-1].data["message"] == f"OBS unreachable since 15:29:10, 77 attempts: {REFUSED}"
    back = log.shown("obs_connected", {}, at("17:52"), real + timedelta(hours=1))
    summary, connected = back
    assert (summary.event, summary.update, summary.data["count"]) == ("repeated", False, 77)
    assert summary.data["series"] == first.data["series"]
    assert summary.data["message"] == f"OBS unreachable 15:29:10–17:49:46, 77 attempts: {REFUSED}"
    assert connected.event == "obs_connected"
    assert log.flush() == []  # nothing left open


def test_a_series_still_repeating_when_the_run_ends_is_summed_up() -> None:
    from timekeeper.asrun.repeats import EventLogRepeats

    log = EventLogRepeats(seed().tz)
    for n in range(3):
        log.shown(
            "obs_connect_failed",
            {"error": REFUSED},
            at("15:00") + timedelta(seconds=n),
            at("09:00"),
        )
    [summary] = log.flush()
    assert summary.data["count"] == 3 and not summary.update
    single = EventLogRepeats(seed().tz)
    single.shown("obs_connect_failed", {"error": REFUSED}, at("15:00"), at("09:00"))
    assert single.flush() == []  # one alarm is its own line already
