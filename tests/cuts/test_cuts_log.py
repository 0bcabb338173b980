"""`timekeeper cuts` on as-run logs written by hand: the pieces, the formats, the real CLI.

The logs here are what `timekeeper run` writes (docs/as-run-log.md): a header,
slot events, OBS's output and switch events. Checked: offsets count from
OBS's start event, edges move to OBS confirming the slot's scene, a pretend
clock's show time is turned back into the file's real seconds, a recording
stopped and started again (or OBS gone away mid-recording) gives two files
and a talk across them two parts, do_not_record talks are left out, and
every output format says the same cuts.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runner import cli, environment
from timekeeper.cuts import formats, splitfiles
from timekeeper.cuts.timeline import find_cuts
from timekeeper.errors import ProgrammeError
from timekeeper.programme.loader import load_programme_text

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
PROGRAMME = """\
event: {title: Cut test, date: 2026-03-01, timezone: UTC}
slots:
  - {id: welcome, title: Welcome, start: "10:00", duration: 5m, scene: A}
  - {id: talk, title: "The talk, with = and ; in it", duration: 30m, scene: B}
  - {id: secret, title: Off the record, duration: 10m, scene: C, do_not_record: true}
  - {id: closing, title: Closing, duration: 5m, scene: A}
"""


def t(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def header(**extra: Any) -> dict[str, Any]:
    return {
        "record": "run", "seq": 0, "v": 1, "programme": "programme.yaml",
        "programme_path": "/nowhere/programme.yaml", "programme_sha256": None,
        "event": "Cut test", "event_date": "2026-03-01", "timezone": "UTC",
        "rehearsal": False, "mode": "live", "simulated": False, "speed": 1.0,
        "started_at": T0.isoformat(), "real_started_at": T0.isoformat(), "timekeeper": "0.1.0",
        "at": T0.isoformat(), "real_at": T0.isoformat(), **extra,
    }  # fmt: skip


def ev(kind: str, at: float, **fields: Any) -> dict[str, Any]:
    return {"record": "event", "event": kind, "at": t(at).isoformat(), **fields}


def switch(boundary: float, delay_ms: float) -> dict[str, Any]:
    return ev(
        "scene_switch_confirmed", boundary + delay_ms / 1000, boundary_at=t(boundary).isoformat(),
        confirm_delay=delay_ms, scene="X", key="k",
    )  # fmt: skip


def show(rec_start: float = 2.0) -> list[dict[str, Any]]:
    """Four slots of 300/1800/600/300 s; OBS records from `rec_start` to the end."""
    return [
        ev("show_started", 0), ev("slot_started", 0, slot="welcome"), switch(0, 30),
        ev("record_started", rec_start, path="/rec/a.mkv"),
        ev("slot_ended", 300, slot="welcome"), ev("slot_started", 300, slot="talk"),
        switch(300, 40),
        ev("slot_ended", 2100, slot="talk"), ev("slot_started", 2100, slot="secret"),
        switch(2100, 25),
        ev("slot_ended", 2700, slot="secret"), ev("slot_started", 2700, slot="closing"),
        switch(2700, 35),
        ev("slot_ended", 3000, slot="closing"), ev("show_ended", 3000),
        ev("record_stopped", 3001),
    ]  # fmt: skip


def pieces(
    records: list[dict[str, Any]], **kw: Any
) -> list[tuple[str, int, str | None, float, float]]:
    found = find_cuts(kw.pop("head", header()), records, **kw)
    return [(c.slot, c.part, c.path, c.inpoint, c.outpoint) for c in found.cuts]


def test_offsets_count_from_the_record_start_and_edges_from_the_confirmed_switch() -> None:
    assert pieces(show(), leave_out=["secret"]) == [
        # welcome: the recording began 2 s into it; its end is when OBS showed the talk's scene
        ("welcome", 1, "/rec/a.mkv", 0.0, 298.04),
        ("talk", 1, "/rec/a.mkv", 298.04, 2098.025),
        ("closing", 1, "/rec/a.mkv", 2698.035, 2998.0),
    ]


def test_a_switch_confirmed_long_after_its_boundary_is_not_the_picture_change() -> None:
    records = show()
    records[6] = switch(300, 5000)  # a re-sent scene after a reconnect, not this boundary's
    assert pieces(records)[1][3] == 298.0


def test_a_rehearsal_on_a_pretend_clock_is_cut_in_the_files_real_seconds() -> None:
    real0 = datetime(2026, 2, 27, 18, 0, tzinfo=UTC)
    head = header(simulated=True, speed=10.0, real_started_at=real0.isoformat(), mode="dress")
    found = pieces(show(rec_start=0.0), head=head)
    # 300 show seconds are 30 real ones; the 30 ms switch delay is 3 ms of real time
    assert found[0] == ("welcome", 1, "/rec/a.mkv", 0.003, 30.004)
    assert found[1][3:] == (30.004, 210.003)


def test_a_resumed_rehearsal_counts_from_its_new_anchor() -> None:
    real0 = datetime(2026, 2, 27, 18, 0, tzinfo=UTC)
    head = header(simulated=True, speed=10.0, real_started_at=real0.isoformat())
    records = show(rec_start=0.0)
    # down for 100 real seconds after show time 1000 (real 100): the run resumed there
    records.insert(7, {"record": "resume", "at": t(1000).isoformat(),
                       "real_at": (real0 + timedelta(seconds=200)).isoformat()})  # fmt: skip
    talk = pieces(records, head=head)[1]
    # 2100 show s = 200 + 110 real s after the start
    assert talk[3:] == (30.004, 310.003)


def test_a_recording_stopped_and_started_again_gives_two_parts() -> None:
    records = show()
    at = records.index(next(r for r in records if r.get("slot") == "talk"))
    records[at + 2 : at + 2] = [
        ev("record_stopped", 1000, path="/rec/a.mkv"),
        ev("record_started", 1010, path="/rec/b.mkv"),
    ]
    talk = [p for p in pieces(records) if p[0] == "talk"]
    assert talk == [
        ("talk", 1, "/rec/a.mkv", 298.04, 998.0),
        ("talk", 2, "/rec/b.mkv", 0.0, 1090.025),
    ]


def test_obs_gone_away_while_recording_ends_the_file_at_the_disconnect() -> None:
    records = show()
    at = records.index(next(r for r in records if r.get("slot") == "talk"))
    records[at + 2 : at + 2] = [
        ev("obs_disconnected", 1000),
        ev("record_started", 1030, path="/rec/b.mkv"),  # OBS back, recording anew
    ]
    found = find_cuts(header(), records)
    assert [(r.path, r.stop) for r in found.recordings] == [
        ("/rec/a.mkv", t(1000)), ("/rec/b.mkv", t(3001)),
    ]  # fmt: skip
    talk = [(c.path, c.inpoint, c.outpoint) for c in found.cuts if c.slot == "talk"]
    assert talk == [("/rec/a.mkv", 298.04, 998.0), ("/rec/b.mkv", 0.0, 1070.025)]


def test_a_start_reported_again_at_a_reconnect_is_the_same_file() -> None:
    records = show()
    records.insert(8, ev("record_started", 400, path="/rec/a.mkv"))
    assert pieces(records)[1] == ("talk", 1, "/rec/a.mkv", 298.04, 2098.025)


def test_going_back_to_a_slot_makes_it_live_again_in_a_second_part() -> None:
    records = show()
    at = records.index(next(r for r in records if r.get("slot") == "talk"))
    # 60 s into the talk the operator goes back to the welcome; 30 s later on to the talk again
    records[at + 2 : at + 2] = [
        ev("back", 360, slot="welcome"), switch(360, 20),
        ev("slot_ended", 390, slot="welcome"), ev("slot_started", 390, slot="talk"),
        switch(390, 20),
    ]  # fmt: skip
    assert pieces(records, leave_out=["secret"])[:4] == [
        ("welcome", 1, "/rec/a.mkv", 0.0, 298.04),
        ("talk", 1, "/rec/a.mkv", 298.04, 358.02),
        ("welcome", 2, "/rec/a.mkv", 358.02, 388.02),
        ("talk", 2, "/rec/a.mkv", 388.02, 2098.025),
    ]


def test_a_slot_live_while_nothing_recorded_is_named() -> None:
    records = [r for r in show(rec_start=400) if r["event"] != "record_started"]
    records.insert(7, ev("record_started", 400, path="/rec/a.mkv"))
    found = find_cuts(header(), records)
    assert found.not_recorded == ("welcome",)
    assert found.cuts[0].slot == "talk" and found.cuts[0].inpoint == 0.0


def test_formats_say_the_same_cuts() -> None:
    programme = load_programme_text(PROGRAMME)
    found = find_cuts(header(), show(), leave_out=["secret"])
    titles = {s.id: s.title for s in programme.slots}
    named = [formats.Named(c, titles[c.slot], "g", "s", f"0{i}-{c.slot}")
             for i, c in enumerate(found.cuts)]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(formats.to_csv(named))))
    assert [(r["slot"], r["in"], r["out"]) for r in rows] == [
        ("welcome", "0.0", "298.04"), ("talk", "298.04", "2098.025"),
        ("closing", "2698.035", "2998.0"),
    ]  # fmt: skip
    concat = formats.to_concat(named)
    assert "file '/rec/a.mkv'\ninpoint 298.040\noutpoint 2098.025" in concat
    edl = formats.to_edl(named, title="Cut test", fps=25).splitlines()
    assert edl[3] == "001  AX001    V     C        00:00:00:00 00:04:58:01 00:00:00:00 00:04:58:01"
    # the record side follows on, frame for frame as long as the source side
    assert edl[7].endswith("00:04:58:01 00:34:58:01 00:04:58:01 00:34:58:01")
    assert edl[11].endswith("00:44:58:01 00:49:58:00 00:34:58:01 00:39:58:00")
    meta = formats.to_ffmetadata(named)
    assert meta.startswith(";FFMETADATA1\n")
    assert "START=298040\nEND=2098025\ntitle=The talk, with \\= and \\; in it" in meta


def test_do_not_record_must_be_true_or_false_with_its_line() -> None:
    bad = PROGRAMME.replace("do_not_record: true", 'do_not_record: "yes"')
    with pytest.raises(ProgrammeError) as caught:
        load_programme_text(bad, "programme.yaml")
    assert (
        "programme.yaml:5:81: error: 'do_not_record' in slot 'secret': expected true or false"
        in str(caught.value)
    )


# ---------------------------------------------------------------------- the real CLI


def write_run(folder: Path, records: list[dict[str, Any]]) -> Path:
    (folder / "programme.yaml").write_text(PROGRAMME, encoding="utf-8")
    (folder / "runs").mkdir()
    log = folder / "runs" / "live.jsonl"
    lines = [header(programme_path=str(folder / "programme.yaml"))]
    lines += [{**r, "seq": i + 1, "real_at": r["at"]} for i, r in enumerate(records)]
    log.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    return log


def test_cli_lists_the_cuts_as_json_and_leaves_out_do_not_record(tmp_path: Path) -> None:
    log = write_run(tmp_path, show())
    done = cli("cuts", str(log), "--format", "json", env=environment())
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [(c["slot"], c["title"], c["in"], c["out"], c["name"]) for c in doc["cuts"]] == [
        ("welcome", "Welcome", 0.0, 298.04, "01-welcome"),
        ("talk", "The talk, with = and ; in it", 298.04, 2098.025, "02-talk"),
        ("closing", "Closing", 2698.035, 2998.0, "04-closing"),
    ]
    assert doc["left_out"] == [{"slot": "secret", "reason": "do_not_record"}]
    assert all(len(c["guid"]) == 36 and c["slug"].startswith("cut_test-") for c in doc["cuts"])


def test_cli_names_a_talk_imported_from_a_schedule_by_its_guid(tmp_path: Path) -> None:
    guid = "6f1d2c3a-0001-4b6e-9d5c-111111111111"
    log = write_run(
        tmp_path, [{**r, "slot": guid} if r.get("slot") == "talk" else r for r in show()]
    )
    text = (tmp_path / "programme.yaml").read_text().replace("id: talk", f"id: {guid}")
    (tmp_path / "programme.yaml").write_text(text)
    done = cli("cuts", str(log), "--format", "json", env=environment())
    assert done.returncode == 0, done.stderr
    names = [(c["slot"], c["name"], c["guid"]) for c in json.loads(done.stdout)["cuts"]]
    assert names == [
        ("welcome", "01-welcome", names[0][2]),
        (guid, guid, guid),
        ("closing", "04-closing", names[2][2]),
    ]
    slugs = cli("cuts", str(log), "--format", "json", "--name", "slug", env=environment())
    assert json.loads(slugs.stdout)["cuts"][0]["name"] == "cut_test-welcome"


def test_cli_writes_csv_to_a_file_and_chapters_beside_the_recording(tmp_path: Path) -> None:
    records = show()
    for r in records:
        if "path" in r:
            r["path"] = str(tmp_path / "a.mkv")
    log = write_run(tmp_path, records)
    out = tmp_path / "cuts.csv"
    done = cli("cuts", str(log), "-o", str(out), "--chapters", env=environment())
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert out.read_text().splitlines()[0].startswith("slot,part,title,file,in,out")
    chapters = (tmp_path / "a.mkv.ffmetadata").read_text()
    assert chapters.count("[CHAPTER]") == 3 and "Off the record" not in chapters


def test_cli_without_the_programme_says_where_it_looked(tmp_path: Path) -> None:
    log = write_run(tmp_path, show())
    (tmp_path / "programme.yaml").unlink()
    done = cli("cuts", str(log), env=environment())
    assert done.returncode != 0
    assert "programme.yaml" in done.stderr and "Traceback" not in done.stderr


def test_cli_on_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"hello": 1}\n')
    done = cli("cuts", str(bad), env=environment())
    assert done.returncode == 2 or done.returncode == 1
    assert "notes.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_split_without_ffmpeg_says_how_to_install_it(tmp_path: Path) -> None:
    log = write_run(tmp_path, show())
    env = environment({"PATH": str(tmp_path / "empty")})
    done = cli("cuts", str(log), "--split", str(tmp_path / "out"), env=env)
    assert done.returncode != 0
    assert "apt-get install ffmpeg" in done.stderr


# ---------------------------------------------------------------------- OBS's split files


def test_a_cut_across_a_split_file_boundary_becomes_two_pieces() -> None:
    records = show()
    records[-1] = ev("record_stopped", 3001, path="/rec/c.mkv")  # OBS split a.mkv, b.mkv, c.mkv
    found = find_cuts(header(), records)
    assert found.recordings[0].last_path == "/rec/c.mkv"
    files = [("/rec/a.mkv", 1000.0), ("/rec/b.mkv", 1000.0), ("/rec/c.mkv", 1000.0)]
    spread = splitfiles.spread(found.cuts, "/rec/a.mkv", files)
    assert [(c.slot, c.part, c.path, c.inpoint, c.outpoint) for c in spread] == [
        ("welcome", 1, "/rec/a.mkv", 0.0, 298.04),
        ("talk", 1, "/rec/a.mkv", 298.04, 1000.0),
        ("talk", 2, "/rec/b.mkv", 0.0, 1000.0),
        ("talk", 3, "/rec/c.mkv", 0.0, 98.025),
        ("secret", 1, "/rec/c.mkv", 98.025, 698.035),
        ("closing", 1, "/rec/c.mkv", 698.035, 998.0),
    ]
    talk3 = spread[3]
    assert talk3.start == t(2002) and talk3.end == t(2100.025)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_cli_finds_the_files_obs_split_a_recording_into(tmp_path: Path) -> None:
    """Three real 2-second files in the recordings folder (and one of another recording)."""
    rec = tmp_path / "rec"
    rec.mkdir()
    for name in ("2026-03-01_10-00-02.mkv", "2026-03-01_10-00-04.mkv", "2026-03-01_10-00-06.mkv",
                 "2026-03-01_11-00-00.mkv"):  # fmt: skip
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x36:rate=25:duration=2",
             "-c:v", "libx264", "-g", "25", str(rec / name)],
            check=True, timeout=60,
        )  # fmt: skip
    folder = tmp_path / "event"
    folder.mkdir()
    records = [
        ev("slot_started", 0, slot="welcome"),
        ev("record_started", 0, path=str(rec / "2026-03-01_10-00-02.mkv")),
        ev("slot_ended", 3, slot="welcome"), ev("slot_started", 3, slot="talk"),
        ev("record_stopped", 6, path=str(rec / "2026-03-01_10-00-06.mkv")),
    ]  # fmt: skip
    log = write_run(folder, records)
    done = cli("cuts", str(log), "--format", "json", env=environment(), timeout=120)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [
        (c["slot"], c["part"], Path(c["file"]).name, c["in"], c["out"]) for c in doc["cuts"]
    ] == [
        ("welcome", 1, "2026-03-01_10-00-02.mkv", 0.0, 2.0),
        ("welcome", 2, "2026-03-01_10-00-04.mkv", 0.0, 1.0),
        ("talk", 1, "2026-03-01_10-00-04.mkv", 1.0, 2.0),
        ("talk", 2, "2026-03-01_10-00-06.mkv", 0.0, 2.0),
    ]
    assert doc["cuts"][1]["name"] == "01-welcome-part2"
    assert "2026-03-01_10-00-02.mkv: OBS split it into 3 files" in doc["notes"]
