"""Benchmark: a standby pair, the primary SIGKILLed at seeded random instants, judged from OBS.

Each kill is one short live show (slots of a few seconds on the real clock, each its own
scene, the recording started by the first and stopped by the last) run by a pair: the
primary `timekeeper run PROGRAMME --headless --mqtt URL --room R` and the standby, the
same with `--standby --takeover-delay S`, each its own process, both reaching one real
headless OBS and one real mosquitto (tests/standby_e2e/pair.py). Once the standby
follows (it announces itself as standby on OBS and its copy holds the primary's log),
the primary is SIGKILLed at a seeded instant (every fourth kill 200 ms before a boundary).
The evidence is what OBS itself said (tests/standby_e2e/witness.py: its CustomEvents,
scene changes and output states) and the two logs; the judge (tests/standby_e2e/judge.py):

- takeover delay: from the primary's last announcement OBS relayed to the standby's first
  driving announcement (or first switch), p50 / p99 / max over the kills;
- actions repeated: once-only keys done twice in the logs, a boundary switched twice, the
  recording started more than once (target 0);
- boundaries missed: a slot start whose scene OBS never put on program (target 0);
- the copy: the standby's log numbers its records with no gap or repeat and holds the
  primary's records byte for byte up to where it continues.

    python bench/bench_standby.py [--seed 1] [--kills 20] [--delay 0.75] [--slot 3] [--keep DIR]

Exits 1 on a repeat, a miss, a broken copy or a kill not taken over; 2 when a real part
is missing. It needs the standby in `timekeeper run` (`--standby`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.obs.headless import HeadlessObs, obs_missing_reason  # noqa: E402
from tests.rooms.broker import Broker, mosquitto_missing_reason  # noqa: E402
from tests.standby_e2e.judge import Outcome  # noqa: E402
from tests.standby_e2e.pair import SCENES, SHOW_SCENES, pair, show_slots  # noqa: E402
from timekeeper.core.clock import SystemClock  # noqa: E402

CLOCK = SystemClock()
SLOTS = 5
LEAD = 6.0  # seconds from writing the programme to its first slot: both machines start


@dataclass(frozen=True)
class Kill:
    n: int
    offset: float  # seconds after slot 2's start (negative: before it)
    outcome: Outcome | None
    error: str = ""
    killed: float = 0.0  # time.monotonic() of the SIGKILL (the witness's clock too)

    @property
    def delay(self) -> float | None:
        return self.outcome.takeover.delay if self.outcome is not None else None

    @property
    def from_kill(self) -> float | None:
        """Seconds from the SIGKILL to the new driver's first sign on OBS."""
        if self.outcome is None or self.outcome.takeover.first_new is None:
            return None
        return self.outcome.takeover.first_new.mono - self.killed


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the instants' seed (default 1)")
    parser.add_argument("--kills", type=int, default=20, help="how many kills (default 20)")
    parser.add_argument("--delay", type=float, default=0.75, help="--takeover-delay (default 0.75)")
    parser.add_argument("--slot", type=float, default=3.0, help="slot length, s (default 3)")
    parser.add_argument("--keep", type=Path, help="keep every file in this folder")
    return parser.parse_args(argv)


def instants(seed: int, kills: int, slot: float) -> list[float]:
    """Kill instants relative to slot 2's start: from 1 s before it to 0.5 s before the last
    slot (the show goes on after each takeover); every fourth 200 ms before a boundary."""
    rng = random.Random(seed)
    out = []
    for n in range(kills):
        if n % 4 == 3:
            out.append(rng.randrange(SLOTS - 2) * slot - 0.2)
        else:
            out.append(rng.uniform(-1.0, (SLOTS - 2) * slot - 0.5))
    return out


def one_kill(
    n: int, offset: float, root: Path, obs: HeadlessObs, broker: Broker, args: argparse.Namespace
) -> Kill:
    slots = show_slots(SLOTS, args.slot, SHOW_SCENES)
    with pair(root, obs, broker, slots, lead=LEAD, room=f"Bench {n}") as p:
        primary = p.start_primary()
        standby = p.start_standby(delay=args.delay)
        try:
            p.wait_announcing(primary, "driver")
            p.wait_announcing(standby, "standby")
            p.wait_copy(primary, standby)
            old_run = p.run_id(primary)
        except AssertionError as exc:
            return Kill(n, offset, None, f"not ready: {exc}")
        at = p.programme.slots[1].start + timedelta(seconds=offset)
        left = (at - CLOCK.now()).total_seconds()
        if left < 0:
            return Kill(n, offset, None, f"the pair was ready {-left:.1f} s after the instant")
        time.sleep(left)
        killed = time.monotonic()
        primary.run.kill()
        try:
            p.wait_announcing(standby, "driver", timeout=args.delay + 10)
            p.wait_ended()
        except AssertionError as exc:
            return Kill(n, offset, p.judge(primary, standby, old_run), str(exc), killed)
        return Kill(n, offset, p.judge(primary, standby, old_run), killed=killed)


def where(offset: float, slot: float) -> str:
    """The instant in words: `1.30 s into slot 2`, `0.20 s before slot 3` (offsets count
    from slot 2's start; slot k starts at (k - 2) * slot)."""
    after = math.floor(offset / slot)  # the last boundary passed: slot after + 2 is live
    ahead = (after + 1) * slot - offset
    if ahead <= 0.5:
        return f"{ahead:.2f} s before slot {after + 3}"
    return f"{offset - after * slot:.2f} s into slot {after + 2}"


def line(kill: Kill, slot: float) -> str:
    head = f"kill {kill.n:2d}, {where(kill.offset, slot)}:"
    o = kill.outcome
    if o is None:
        return f"{head} {kill.error}"
    delay = f"{kill.delay:.3f} s" if kill.delay is not None else "—"
    after_kill = f"{kill.from_kill:.3f} s" if kill.from_kill is not None else "—"
    c = o.continuity
    problems = o.problems() + ([kill.error] if kill.error else [])
    return (
        f"{head} epoch {o.takeover.epoch} drove {delay} after the primary's last announcement "
        f"({after_kill} after the kill); repeated {o.repeated}, missed {len(o.missed)}; "
        f"copy {c.copied} + {c.continued} records ({c.unreplicated} never sent)"
        + ("; " + "; ".join(problems) if problems else "")
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(kills: list[Kill], args: argparse.Namespace, seconds: float) -> int:
    delays = [k.delay for k in kills if k.delay is not None]
    repeated = sum(k.outcome.repeated for k in kills if k.outcome is not None)
    missed = sum(len(k.outcome.missed) for k in kills if k.outcome is not None)
    failed = [k for k in kills if k.outcome is None or k.error or k.outcome.problems()]
    print(f"\n{len(kills)} kills (seed {args.seed}, --takeover-delay {args.delay:g}, "
          f"slots of {args.slot:g} s), {seconds:.0f} s; load average {_load()}")  # fmt: skip
    if delays:
        print(f"takeover delay after the primary's last announcement on OBS: "
              f"p50 {statistics.median(delays):.3f} s, p99 {percentile(delays, 0.99):.3f} s, "
              f"max {max(delays):.3f} s (of {len(delays)})")  # fmt: skip
        kills_to = [k.from_kill for k in kills if k.from_kill is not None]
        print(f"from the SIGKILL: p50 {statistics.median(kills_to):.3f} s, "
              f"p99 {percentile(kills_to, 0.99):.3f} s, max {max(kills_to):.3f} s")  # fmt: skip
    print(f"actions repeated {repeated} (target 0), boundaries missed {missed} (target 0), "
          f"kills with a problem {len(failed)}")  # fmt: skip
    ok = not failed and len(delays) == len(kills)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    for reason in (obs_missing_reason(), mosquitto_missing_reason()):
        if reason is not None:
            print(f"bench_standby needs the real parts: {reason}", file=sys.stderr)
            return 2
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-standby-"))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    obs = HeadlessObs(root / "obs", scenes=SCENES, fps=30)
    broker = Broker(root / "broker")
    kills: list[Kill] = []
    try:
        obs.start()
        broker.start()
        for n, offset in enumerate(instants(args.seed, args.kills, args.slot), 1):
            kill = one_kill(n, offset, root / f"kill-{n:02d}", obs, broker, args)
            print(line(kill, args.slot), flush=True)
            kills.append(kill)
    finally:
        broker.stop()
        obs.stop()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return summary(kills, args, time.monotonic() - t0)


if __name__ == "__main__":
    sys.exit(main())
