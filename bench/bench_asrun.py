"""Benchmark: what the as-run log costs during the show, and how fast a crashed show resumes.

1. Logging: N records appended to a log in a temporary folder, each with its
   own write() and fsync (as during the show); prints records per second
   sustained and the per-record latency (median, p99, max) — the time the
   show's event loop is blocked per record.
2. Resume: a generated full-day event (12 hours, 60 slots, a third with
   speaker turns) run on a ManualClock with ~500 random operator actions and
   the OBS director's records; prints the log's size and the time to read it,
   to resume from it (replay + check against the logged events) and to build
   the report. The log for part 2 is written without fsync, to keep the
   benchmark short: fsync changes how fast it is written, not what is read.

    python bench/bench_asrun.py [--records 2000] [--repeat 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timekeeper.asrun.log import AsRunLog, RunHeader, read_log  # noqa: E402
from timekeeper.asrun.report import build_report, render  # noqa: E402
from timekeeper.asrun.resume import resume, start_run  # noqa: E402
from timekeeper.core.clock import ManualClock  # noqa: E402
from timekeeper.core.engine import Action, ActionKind, ShowEvent  # noqa: E402
from timekeeper.core.programme import Event, Programme, Slot, Turn  # noqa: E402
from timekeeper.errors import TransitionError  # noqa: E402
from timekeeper.show.session import ShowSession  # noqa: E402

DAY = date(2023, 11, 20)
START = datetime(2023, 11, 20, 7, 0, tzinfo=UTC)


def full_day() -> Programme:
    """12 hours, 60 slots of 12 minutes; every third slot has 5 speaker turns."""
    slots = []
    for i in range(60):
        turns = tuple(Turn(f"Speaker {i}-{j}", timedelta(minutes=2)) for j in range(5))
        slots.append(
            Slot(
                id=f"s{i:02}",
                title=f"Session {i + 1}",
                start=START + timedelta(minutes=12 * i),
                duration=timedelta(minutes=12),
                turns=turns if i % 3 == 1 else (),
                scene=f"Scene {i % 4}",
                hard=i % 10 == 0 and i > 0,
            )
        )
    event = Event(title="Full day benchmark", date=DAY, timezone="Europe/Amsterdam")
    return Programme(event=event, slots=tuple(slots))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_logging(folder: Path, count: int) -> None:
    prog = full_day()
    clock = ManualClock(START, simulated=False)
    path = folder / "write.jsonl"
    header = RunHeader.for_run(
        prog, path, clock=clock, real_clock=clock, mode="live", rehearsal=False
    )
    log = AsRunLog.create(path, header, clock=clock, real_clock=clock)
    samples = []
    began = time.perf_counter()
    for i in range(count):
        clock.advance(1)
        event = ShowEvent("phase", clock.now(), f"s{i % 60:02}", turn=i % 5, phase="warning")
        t0 = time.perf_counter()
        log.append(event)
        samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - began
    log.close()
    size = path.stat().st_size
    print(f"as-run log write, one write() + fsync per record, in {folder}:")
    print(
        f"  {count} records in {total:.2f} s: {count / total:,.0f} records/s sustained "
        f"({size / count:.0f} bytes each)"
    )
    print(
        f"  per record: median {statistics.median(samples) * 1000:.2f} ms, "
        f"p99 {percentile(samples, 0.99) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms"
    )


def record_full_day(folder: Path, seed: int = 7) -> tuple[Path, Programme, int]:
    """Run the full day on a ManualClock with random operator actions; return the log."""
    prog = full_day()
    rng = random.Random(seed)
    real = ManualClock(START, simulated=False)
    clock = ManualClock(START - timedelta(minutes=10), simulated=False)
    run = start_run(
        prog,
        clock=clock,
        real_clock=real,
        mode="live",
        rehearsal=False,
        log_path=folder / "day.jsonl",
    )
    session = ShowSession(prog, clock, state=run.state)
    session.subscribe(run.log.record_events)
    log = run.log

    def director(events: list[ShowEvent]) -> None:
        """What the OBS director would log: switches, and captions at every start."""
        for ev in events:
            if ev.kind in ("slot_started", "turn_started", "message"):
                log.append({"event": "obs_text_set", "source": "Caption", "slot": ev.slot})
            if ev.kind == "slot_started" and ev.slot is not None:
                scene = prog.slots[prog.index(ev.slot)].scene
                log.append({"event": "scene_switch_requested", "scene": scene, "slot": ev.slot})
                log.append(
                    {
                        "event": "scene_switch_confirmed",
                        "scene": scene,
                        "slot": ev.slot,
                        "confirm_delay": rng.randint(40, 200),
                    }
                )

    session.subscribe(director)
    log.append({"event": "action_done", "key": "s00:on_start:start_streaming"})
    kinds = [
        (ActionKind.NEXT_TURN, 6),
        (ActionKind.EXTEND, 3),
        (ActionKind.HOLD, 1),
        (ActionKind.RELEASE, 2),
        (ActionKind.BACK, 1),
        (ActionKind.NEXT, 1),
    ]
    population = [k for k, w in kinds for _ in range(w)]
    actions = 0
    end = START + timedelta(hours=12, minutes=30)
    while clock.now() < end and not session.ended:
        step = rng.randint(15, 90)
        clock.advance(step)
        real.advance(step)
        session.tick()
        kind = rng.choice(population)
        try:
            if kind is ActionKind.EXTEND:
                session.act(Action(kind, minutes=rng.choice([-1, 1, 2])))
            else:
                session.act(Action(kind))
            actions += 1
        except TransitionError:
            pass
        if rng.random() < 0.1:
            session.set_message(rng.choice(["Wrap up", "", "Two minutes"]))
    return run.path, prog, actions


def timed(fn: object, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def bench_resume(folder: Path, repeat: int) -> None:
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # part 2 measures reading, not writing
    try:
        path, prog, actions = record_full_day(folder)
    finally:
        os.fsync = real_fsync
    contents = read_log(path)
    events = sum(1 for r in contents.records if r.get("record") == "event")
    turns = sum(len(s.turns) for s in prog.slots)
    print(
        f"full-day log: 12 h, {len(prog.slots)} slots, {turns} turns; {len(contents.records)} "
        f"records ({events} events, {actions} operator actions), "
        f"{path.stat().st_size / 1e6:.2f} MB"
    )
    now = contents.records[-1]["at"]
    clock = ManualClock(datetime.fromisoformat(now) + timedelta(minutes=3), simulated=False)
    result = resume(path, prog, clock)
    assert result.ok, result.mismatches
    t_read = timed(lambda: read_log(path), repeat)
    t_resume = timed(lambda: resume(path, prog, clock), repeat)
    t_report = timed(lambda: render(build_report(read_log(path), prog), prog), repeat)
    print(f"  read the log        median {t_read * 1000:.0f} ms")
    print(f"  resume (read+replay+check) median {t_resume * 1000:.0f} ms")
    print(f"  report (markdown)   median {t_report * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=2000, help="records to write (part 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats (part 2)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the logs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bench_logging(Path(tmp), args.records)
        bench_resume(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
