"""A restart on the paths a show day takes: the real CLI, SIGKILLed and run again (issue 20, 1–3).

Each test runs `timekeeper run --headless` as a subprocess on a copy of the seed
programme (a dry run on a pretend clock: nothing is sent to OBS), kills it with
SIGKILL like a crashed laptop, and runs the command from the shell history again.
Waits are on the run's own JSON lines, never on a guess about speed.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from tests.e2e.runner import Run, cli, environment, read_jsonl, timekeeper_argv

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "programme.yaml").read_text(encoding="utf-8")
TYPO = SEED.replace("    duration: 5m\n", "    durration: 5m\n", 1)
AT = "16:20:00"
REHEARSAL = ("--dry-run", "--at", AT, "--speed", "60")
ENV = environment()


def command(programme: Path, *extra: str) -> list[str]:
    return timekeeper_argv("run", str(programme), "--headless", "--port", "0", *extra)


def start(programme: Path, *extra: str) -> Run:
    return Run(command(programme, *extra), ENV)


def started(run: Run, kind: str = "as_run_log") -> dict[str, object]:
    return run.wait_for(kind, timeout=60)[1]


def crash(run: Run) -> None:
    run.kill()
    assert run.proc.returncode == -9


def logs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jsonl"))


def seqs(path: Path) -> list[int]:
    return [int(r["seq"]) for r in read_jsonl(path)]


def test_an_invalid_programme_file_does_not_stop_the_restart(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    first = start(programme, *REHEARSAL)
    try:
        log = Path(str(started(first)["path"]))
        first.wait_for("slot_started", timeout=60)
        crash(first)
        programme.write_text(TYPO, encoding="utf-8")  # the typo saved before the crash
        again = start(programme, *REHEARSAL)
        resumed = started(again, "resumed")
        invalid = started(again, "programme_invalid")
    finally:
        first.close()
        again.close()
    assert resumed["path"] == str(log)
    assert "cannot be read as it is now" in str(resumed["message"])
    # its errors exactly as `check` prints them, as for a live invalid edit
    assert any("unknown key 'durration'" in e for e in invalid["errors"])  # type: ignore[attr-defined]
    assert [r["record"] for r in read_jsonl(log)].count("resume") == 1
    # without a run to resume, the file's error stands (exit 2), as before
    fresh = cli("run", str(programme), *REHEARSAL, "--headless", "--port", "0", "--fresh", env=ENV)
    assert fresh.returncode == 2 and "durration" in fresh.stderr, fresh.stderr


def test_the_same_rehearsal_command_after_a_crash_resumes_at_its_own_pretend_time(
    tmp_path: Path,
) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    runs: list[Run] = []
    try:
        for _ in range(3):  # started, then twice killed and run again from the shell history
            run = start(programme, *REHEARSAL)
            runs.append(run)
            if len(runs) > 1:
                resumed = started(run, "resumed")
                assert f"--at {AT} is not used" in str(resumed["message"])
            else:
                started(run)
            run.wait_for("phase", timeout=60)  # the show moved on before the crash
            crash(run)
    finally:
        for run in runs:
            run.close()
    [log] = logs(tmp_path / "runs")  # one log, not one per restart
    numbers = seqs(log)
    assert numbers == sorted(set(numbers)), "sequence numbers used twice"
    # each restart went on where the pretend clock had got to, never back to --at
    starts = [datetime.fromisoformat(str(run.lines[0]["at"])) for run in runs]
    assert starts == sorted(starts) and starts[1].strftime("%H:%M:%S") > AT
    records = read_jsonl(log)
    assert [r["record"] for r in records].count("run") == 1
    assert [r["record"] for r in records].count("resume") == 2
    begun = [r["slot"] for r in records if r.get("event") == "slot_started"]
    assert begun and len(begun) == len(set(begun)), "a slot started twice"
    fresh = start(programme, *REHEARSAL, "--fresh")
    try:
        line = started(fresh)
    finally:
        fresh.close()
    assert f"{log.name} (unfinished) is set aside" in str(line["message"])


def test_log_file_is_exactly_that_file(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    first_log = tmp_path / "show.jsonl"
    first = start(programme, *REHEARSAL, "--log", str(first_log))
    try:
        started(first)
        crash(first)
    finally:
        first.close()
    (tmp_path / "show-2.jsonl").write_bytes(first_log.read_bytes())  # a newer one of its series
    again = start(programme, *REHEARSAL, "--log", str(first_log))
    try:
        resumed = started(again, "resumed")
    finally:
        again.close()
    assert resumed["path"] == str(first_log)


def _room(folder: Path, name: str) -> Path:
    """A room's programme as `import --all-rooms` writes it: the venue is the room."""
    text = SEED.replace(
        "  title: How Artificial Intelligence Fosters Global Inequalities",
        f'  title: "31st Chaos Communication Congress — {name}"',
    ).replace(
        "  venue: House of Connections, Grote Markt 21, Groningen (in presence and online)",
        f'  venue: "{name}"',
    )
    path = folder / f"{name.lower().replace(' ', '-')}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rooms_of_one_venue_keep_their_own_logs_and_a_refusal_names_the_holder(
    tmp_path: Path,
) -> None:
    saal1, saal2 = _room(tmp_path, "Saal 1"), _room(tmp_path, "Saal 2")
    one, two = start(saal1, *REHEARSAL), start(saal2, *REHEARSAL)
    runs = [one, two]
    try:
        log1, log2 = (Path(str(started(run)["path"])) for run in (one, two))
        assert log1 != log2 and "saal-1" in log1.name and "saal-2" in log2.name
        crash(one)  # Saal 1 crashes; Saal 2 runs on
        again = start(saal1, *REHEARSAL)
        runs.append(again)
        assert started(again, "resumed")["path"] == str(log1)  # its own, not Saal 2's
        # the same command a second time while Saal 1 runs: refused, naming that run
        twice = cli("run", str(saal1), *REHEARSAL, "--headless", "--port", "0", env=ENV)
        assert twice.returncode == 2, twice.stderr
        assert f"PID {again.pid}" in twice.stderr and str(saal1) in twice.stderr
        assert "saal-2" not in twice.stderr and "Saal 2" not in twice.stderr
        assert f"kill {again.pid}" in twice.stderr and "dry mode" in twice.stderr
        # pointed at Saal 2's log by mistake: refused, and told to leave that run alone
        wrong = cli(
            "run", str(saal1), *REHEARSAL, "--headless", "--port", "0", "--log", str(log2),
            env=ENV,
        )  # fmt: skip
        assert wrong.returncode == 2, wrong.stderr
        assert f"PID {two.pid}" in wrong.stderr and str(saal2) in wrong.stderr
        assert "kill" not in wrong.stderr and "leave it running" in wrong.stderr
    finally:
        for run in runs:
            run.close()


CORRUPT = {
    "an unknown action": {"record": "event", "event": "operator", "action": {"action": "boom"}},
    "a naive instant": {"record": "event", "event": "message", "at": "2023-11-20T16:30:00"},
    "NaN minutes": {"record": "event", "event": "operator", "action": {"action": "extend"}},
    "huge minutes": {"record": "event", "event": "extended", "minutes": 1e300},
    "deep nesting": None,
}


def _corrupt_line(what: str, at: str) -> str:
    if what == "deep nesting":
        return (
            '{"record":"event","event":"x","at":"' + at + '","d":' + "[" * 5000 + "]" * 5000 + "}"
        )
    rec = {"seq": 10_000, "at": at, **CORRUPT[what]}  # type: ignore[dict-item]
    if what == "NaN minutes":
        return json.dumps(rec)[:-2] + ', "minutes": NaN}}'
    return json.dumps(rec)


def test_corrupt_records_exit_2_naming_the_line_for_run_and_report(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    log = tmp_path / "show.jsonl"
    first = start(programme, *REHEARSAL, "--log", str(log))
    try:
        started(first)
        crash(first)
    finally:
        first.close()
    good = log.read_bytes()
    line = good.count(b"\n") + 1
    at = str(read_jsonl(log)[-1]["at"])
    headers = {"speed 0": 0, "a huge speed": 1e300}
    for what in [*CORRUPT, *headers]:
        if what in headers:
            head, rest = good.split(b"\n", 1)
            header = {**json.loads(head), "speed": headers[what]}
            written = json.dumps(header).encode() + b"\n" + rest
            where = "line 1"
        else:
            written = good + _corrupt_line(what, at).encode() + b"\n"
            where = f"line {line}"
        log.write_bytes(written)
        argv = ("run", str(programme), *REHEARSAL, "--headless", "--port", "0", "--log", str(log))
        for args in (argv, ("report", str(log))):
            done = cli(*args, env=ENV)
            assert done.returncode == 2, (what, args[0], done.stderr[-800:])
            assert where in done.stderr and "Traceback" not in done.stderr, (what, done.stderr)
            assert "again to resume" not in done.stderr, (what, done.stderr)
        assert log.read_bytes() == written  # nothing rewritten: the records before are kept


def test_the_lock_is_on_the_file_not_the_name(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    real = tmp_path / "show.jsonl"
    link = tmp_path / "link.jsonl"
    first = start(programme, *REHEARSAL, "--log", str(real))
    try:
        started(first)
        link.symlink_to(real)
        second = cli(
            "run", str(programme), *REHEARSAL, "--headless", "--port", "0", "--log", str(link),
            env=ENV,
        )  # fmt: skip
    finally:
        first.close()
    assert second.returncode == 2, second.stderr
    assert f"PID {first.pid}" in second.stderr


def test_a_symlink_in_place_of_the_lock_file_is_never_written_through(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "show.jsonl.lock").symlink_to(victim)
    done = cli(
        "run", str(programme), *REHEARSAL, "--headless", "--port", "0",
        "--log", str(tmp_path / "show.jsonl"), env=ENV,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "symlink" in done.stderr and "Traceback" not in done.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_a_log_path_that_is_a_folder_exits_2(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    first = start(programme, *REHEARSAL)
    try:
        name = Path(str(started(first)["path"])).name
        crash(first)
    finally:
        first.close()
    for path in (tmp_path / "runs").iterdir():
        if path.is_file():
            os.unlink(path)
    (tmp_path / "runs" / name).mkdir()  # where the log should be, a folder
    done = cli("run", str(programme), *REHEARSAL, "--headless", "--port", "0", env=ENV)
    assert done.returncode == 2, done.stderr
    assert "is a folder" in done.stderr and "Traceback" not in done.stderr
    report = cli("report", str(tmp_path / "runs" / name), env=ENV)
    assert report.returncode == 2 and "is a folder" in report.stderr, report.stderr


def test_the_dashboard_resumes_with_an_invalid_file_and_shows_its_errors(tmp_path: Path) -> None:
    from tests.commands.test_dashboard_terminal import Terminal

    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    first = start(programme, *REHEARSAL)
    try:
        started(first)
        crash(first)
    finally:
        first.close()
    programme.write_text(TYPO, encoding="utf-8")
    term = Terminal("run", str(programme), *REHEARSAL, "--port", "0")
    try:
        assert term.read(60, until=b"durration"), term.seen[-3000:].decode(errors="replace")
        assert term.proc.poll() is None  # the show runs on, with the version it ran under
    finally:
        term.close()
    records = read_jsonl(next((tmp_path / "runs").glob("*.jsonl")))
    assert [r["record"] for r in records].count("resume") == 1


def test_a_hard_link_in_place_of_the_lock_file_is_never_written_through(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(SEED, encoding="utf-8")
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    os.link(victim, tmp_path / "show.jsonl.lock")
    done = cli(
        "run", str(programme), *REHEARSAL, "--headless", "--port", "0",
        "--log", str(tmp_path / "show.jsonl"), env=ENV,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "not a plain file of its own" in done.stderr
    assert victim.read_text(encoding="utf-8") == "keep me\n"
