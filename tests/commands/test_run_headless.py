"""`timekeeper run --headless`: the JSON event stream of a whole show, and clean usage errors."""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import at, seed
from timekeeper.app.assembly import SpeakerService
from timekeeper.app.headless import JsonLines
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions, make_clock, parse_at
from timekeeper.core.clock import ManualClock, SimulatedClock, SystemClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.errors import UsageError
from timekeeper.show.notices import Notice
from timekeeper.show.session import ShowSession

ROOT = Path(__file__).resolve().parents[2]
PROGRAMME = ROOT / "programme.yaml"
PANELLISTS = 6


def timekeeper(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SHOW_EVENTS = {
    "show_started", "slot_started", "slot_ended", "turn_started", "turn_ended", "turns_done",
    "slot_skipped", "phase", "operator", "show_ended",
}  # fmt: skip


def test_the_whole_programme_streams_in_order_and_exits_0(tmp_path: Path) -> None:
    done = timekeeper(
        "run", "programme.yaml", "--dry-run", "--at", "15:29:50", "--speed", "600",
        "--headless", "--port", "0", "--log", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    every = [json.loads(line) for line in done.stdout.splitlines()]
    assert every[0]["event"] == "run_started"
    assert every[0]["mode"] == "dry" and every[0]["speed"] == 600
    assert every[0]["at"] == "2023-11-20T15:29:50+01:00"
    assert every[1]["event"] == "as_run_log" and every[1]["path"].startswith(str(tmp_path))
    lines = [every[0]] + [line for line in every if line["event"] in SHOW_EVENTS]
    kinds = [line["event"] for line in lines]
    assert kinds[1] == "show_started" and kinds[-1] == "show_ended"
    started = [line["slot"] for line in lines if line["event"] == "slot_started"]
    ended = [line["slot"] for line in lines if line["event"] == "slot_ended"]
    assert started == ended == _programme_ids()
    turns = [line for line in lines if line["event"] == "turn_started"]
    assert len(turns) == 1 + PANELLISTS  # the moderator, then each panellist
    assert [t["turn"] for t in turns] == list(range(1 + PANELLISTS))
    instants = [datetime.fromisoformat(str(line["at"])) for line in lines[1:]]
    assert instants == sorted(instants)
    assert all(i.utcoffset() == timedelta(hours=1) for i in instants)  # the event's timezone


def _programme_ids() -> list[str]:
    from timekeeper.programme.loader import load_programme

    return [slot.id for slot in load_programme(PROGRAMME).slots]


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    argv = ["run", "programme.yaml", "--dry-run", "--at", "16:00", "--headless", "--port", "0"]
    argv += ["--log", str(tmp_path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "timekeeper.cli", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())  # running: the handlers are installed
    assert first["event"] == "run_started"
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "stopped" and last["signal"] == "SIGTERM"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--speed", "0"], "0 is out of range: give a factor from 0.01 to 3600"),
        (["--speed", "-3"], "-3 is out of range"),
        (["--speed", "nan"], "nan is out of range"),
        (["--speed", "1e308"], "1e308 is out of range"),
        (["--speed", "fast"], "'fast' is not a number"),
        (["--port", "99999"], "99999 is not a port: give 0-65535"),
        (["--port", "http"], "'http' is not a port number"),
        (["--bind", "nonsense"], "'nonsense' is not an address to listen on"),
        (["--log", "/nonexistent/dir/x.jsonl"], "the folder '/nonexistent/dir' does not exist"),
        (["--at", "25:00"], "--at: cannot read '25:00'"),
        (["--at", "tomorrow"], "--at: cannot read 'tomorrow'"),
        (["--at", "2023-11-20"], "--at: cannot read '2023-11-20'"),
    ],
)
def test_bad_flags_exit_2_with_a_message(args: list[str], message: str) -> None:
    done = timekeeper("run", "programme.yaml", "--headless", "--port", "0", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "99999"],
        ["--speed", "1e308"],
        ["--bind", "nonsense"],
        ["--log", "missing/x.jsonl"],
        ["--at", "25:00"],
    ],
)
def test_a_bad_flag_writes_nothing(tmp_path: Path, args: list[str]) -> None:
    """Checked before anything is created: no runs/ folder, no as-run or diagnostics log."""
    (tmp_path / "programme.yaml").write_bytes(PROGRAMME.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--headless", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3 and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.yaml"]


def test_a_missing_programme_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = timekeeper("run", str(tmp_path / "nope.yaml"), "--headless", "--port", "0")
    assert done.returncode == 2
    assert "nope.yaml" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- the clock, in process


def test_at_reads_time_of_day_on_the_event_date() -> None:
    assert parse_at("16:09:30", seed()) == at("16:09:30")
    assert parse_at("9:05", seed()) == at("09:05")


def test_at_reads_iso_8601_with_or_without_offset() -> None:
    assert parse_at("2023-11-20T16:09:30+01:00", seed()) == at("16:09:30")
    assert parse_at("2023-11-20T16:09:30", seed()) == at("16:09:30")  # the event's timezone
    assert parse_at("2023-11-20T15:09:30Z", seed()) == at("16:09:30")


@pytest.mark.parametrize("bad", ["25:00", "16:61", "soon", "2023-11-20", "16h09"])
def test_at_refuses_what_it_cannot_read(bad: str) -> None:
    with pytest.raises(UsageError, match="--at: cannot read"):
        parse_at(bad, seed())


def test_no_flags_is_the_live_show_on_the_real_clock() -> None:
    clock, mode, _ = make_clock(RunOptions(PROGRAMME), seed())
    assert isinstance(clock, SystemClock) and mode is RunMode.LIVE


def test_at_or_speed_is_a_dress_rehearsal_dry_run_is_dry() -> None:
    clock, mode, start = make_clock(RunOptions(PROGRAMME, at="16:09:30", speed=10), seed())
    assert isinstance(clock, SimulatedClock) and clock.speed == 10
    assert mode is RunMode.DRESS and start == at("16:09:30")
    _, mode, _ = make_clock(RunOptions(PROGRAMME, dry_run=True, at="16:09:30"), seed())
    assert mode is RunMode.DRY


def test_dry_run_on_another_day_starts_a_minute_before_the_show() -> None:
    real = ManualClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC), simulated=False)
    _, mode, start = make_clock(RunOptions(PROGRAMME, dry_run=True), seed(), real)
    assert mode is RunMode.DRY and start == at("15:29")


def test_dry_run_on_the_day_uses_the_real_time_of_day() -> None:
    real = ManualClock(at("11:42:07", date(2023, 11, 20)), simulated=False)
    _, _, start = make_clock(RunOptions(PROGRAMME, dry_run=True), seed(), real)
    assert start == at("11:42:07")


@pytest.mark.parametrize("speed", [0.0, -1.0, float("nan"), float("inf")])
def test_speed_must_be_positive_and_finite(speed: float) -> None:
    with pytest.raises(UsageError, match="--speed"):
        make_clock(RunOptions(PROGRAMME, speed=speed), seed())


def test_a_whole_headless_run_never_imports_textual(tmp_path: Path) -> None:
    """The dashboard is imported only when there is one: a whole headless show stays lean."""
    code = (
        "import sys\n"
        "from timekeeper.cli import main\n"
        f"argv = ['run', 'programme.yaml', '--dry-run', '--headless', '--port', '0', "
        f"'--at', '17:29:30', '--speed', '600', '--log', {str(tmp_path / 'x.jsonl')!r}]\n"
        "code = main(argv)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "sys.exit(code or (3 if loaded else 0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"event": "show_ended"' in done.stdout


# ---------------------------------------------------------------- services, in process


def _runtime(start: str = "16:00") -> Runtime:
    programme = seed()
    clock = ManualClock(at(start))
    return Runtime.of(ShowSession(programme, clock), RunOptions(PROGRAMME), at(start))


async def test_the_speaker_server_announces_its_url_and_a_taken_port_is_survivable() -> None:
    runtime = _runtime()
    notes: list[Notice] = []
    runtime.notices.subscribe(notes.append)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        services = (SpeakerService("127.0.0.1", taken_port),)
        async with replace(runtime, services=services).services_running():
            pass
    assert notes[-1].event == "speaker_server_failed"
    assert "in use" in str(notes[-1].payload()["error"])
    async with replace(runtime, services=(SpeakerService("127.0.0.1", 0),)).services_running():
        assert notes[-1].event == "speaker_server"
        assert str(notes[-1].payload()["url"]).startswith("http://127.0.0.1:")
        written = io.StringIO()
        JsonLines(written, lambda: None).notice(notes[-1], runtime)  # the headless line
        line = json.loads(written.getvalue())
        assert list(line)[:3] == ["at", "event", "url"]
        assert line["at"] == "2023-11-20T16:00:00+01:00"


def test_autopilot_moves_manual_turns_and_slots_at_their_deadlines() -> None:
    """Headless runs have nobody at the keys: manual turns move on exactly at their deadline."""
    runtime = _runtime("16:12")
    session = runtime.session
    session.autopilot = True
    session.clock.set(at("16:13:30"))  # type: ignore[attr-defined]
    events = session.tick()
    moves = [e for e in events if e.kind == "operator"]
    assert [(e.at, e.cause, e.action) for e in moves] == [
        (at("16:13"), "autopilot", Action(ActionKind.NEXT_TURN))  # the moderator's 3 minutes
    ]
    session.act(Action(ActionKind.HOLD))
    session.clock.set(at("16:30"))  # type: ignore[attr-defined]
    assert [e for e in session.tick() if e.kind == "operator"] == []  # held: hands off
