"""Benchmark: `timekeeper check` on a generated 1,000-slot, three-day programme.

The programme is written to a temporary file, as a user's would be: one
explicit start per day (a full datetime, across the 2024 daylight-saving
change in Europe/Amsterdam), every other slot following the one before,
a scene on each, speakers and timed turns on every fifth, a hard slot now and
then. Timed: `load_programme` (read, YAML, validation, timeline, checks) and
the rendering of the timeline table, best of several runs.

    python bench/bench_check.py [--slots 1000] [--days 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timekeeper.programme.loader import load_programme  # noqa: E402
from timekeeper.programme.table import render_timeline  # noqa: E402

FIRST_DAY = date(2024, 3, 29)  # the clocks go forward on the third day
LENGTHS = ("2m", "3m", "2m 30s", "3m")


def generate(slots: int, days: int) -> str:
    """A valid programme of `slots` slots spread over `days` days, as YAML text."""
    lines = [
        "event:",
        "  title: Generated marathon",
        f"  date: {FIRST_DAY.isoformat()}",
        "  timezone: Europe/Amsterdam",
        "obs: {password_env: OBS_PASSWORD}",
        "defaults: {warning: 1m, danger: 20s}",
        "slots:",
    ]
    per_day = -(-slots // days)
    for index in range(slots):
        day, position = divmod(index, per_day)
        lines += _slot(index, day, position)
    return "\n".join(lines) + "\n"


def _slot(index: int, day: int, position: int) -> list[str]:
    lines = [f"  - id: s{index:04d}", f"    title: Session {index} of the marathon"]
    if position == 0:
        lines.append(f'    start: "{FIRST_DAY + timedelta(days=day)}T08:00"')
    lines += [f"    duration: {LENGTHS[index % len(LENGTHS)]}", f"    scene: Stage {index % 4}"]
    if index % 50 == 25:
        lines.append("    hard: true")
    if index % 5 == 0:
        lines += [
            "    speakers: [Ada Lovelace, Grace Hopper]",
            "    turns:",
            "      - {speaker: Ada Lovelace, duration: 1m}",
            "      - {speaker: Grace Hopper, duration: 30s}",
        ]
    return lines


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds: the least disturbed by the machine."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=1000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "programme.yaml"
        path.write_text(generate(args.slots, args.days), encoding="utf-8")
        programme = load_programme(path)
        assert len(programme.slots) == args.slots
        total = best_of(args.repeat, lambda: render_timeline(load_programme(path)))
        load = best_of(args.repeat, lambda: load_programme(path))
        render = best_of(args.repeat, lambda: render_timeline(programme))
        size = path.stat().st_size
    days = (programme.local(programme.end).date() - programme.event.date).days + 1
    print(f"programme: {args.slots} slots over {days} days, {size / 1024:.0f} kB of YAML")
    print(
        f"check {args.slots} slots: {total:.2f} s (best of {args.repeat}), "
        f"{total / args.slots * 1000:.2f} ms per slot"
    )
    print(f"  load_programme: {load:.2f} s; render_timeline: {render * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
