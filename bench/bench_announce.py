"""Benchmark: what the driver's announcement every 0.25 s costs (issue 24), on a real OBS.

Starts OBS Studio headless (tests/obs/headless.py) and, for each announcement
period (none, 3 s as before the standby, 1 s as a standby's, 0.25 s as a
driver's), runs one ObsController connected to it for `--seconds` (default 20)
and measures:

- the announcement rate: BroadcastCustomEvent requests per second, counted as
  OBS sends each back (every client, the sender too, receives it as a
  CustomEvent: one subscriber on the controller's own client counts them);
- the gaps between two announcements as heard (what a standby's 1 s takeover
  delay must outlast): median, p99, max;
- the CPU time of this process (the controller, its client and the counting
  subscriber; `time.process_time`) and of the OBS process (/proc/<pid>/stat),
  each in % of one core over the window; "cost" is the difference to the
  run without announcements.

    python bench/bench_announce.py [--seconds 20] [--load N]

`--load N` runs `stress-ng --cpu N` for the whole measurement (both cores busy on
a 2-core machine): the gaps under load are the figure a standby's delay needs.
Exit status 0 when, at 0.25 s, no gap reached the default takeover delay (1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.obs.headless import HeadlessObs, obs_missing_reason  # noqa: E402
from timekeeper.core.clock import SystemClock  # noqa: E402
from timekeeper.obs.announce import KIND, this_run  # noqa: E402
from timekeeper.obs.client import ObsClient  # noqa: E402
from timekeeper.obs.controller import ObsController  # noqa: E402
from timekeeper.obs.port import CustomEvent, PortEvent  # noqa: E402

TAKEOVER_DELAY = 1.0
PERIODS: tuple[float | None, ...] = (None, 3.0, 1.0, 0.25)


def obs_cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(obs: HeadlessObs, period: float | None, seconds: float) -> dict[str, float]:
    """One window: a controller announcing every `period` s (None: not at all)."""
    client = ObsClient(obs.url, obs.password)
    identity = this_run("bench", "live")
    heard: list[float] = []

    def count(event: PortEvent) -> None:
        if isinstance(event, CustomEvent) and event.data.get("run_id") == identity.run_id:
            heard.append(time.monotonic())

    client.subscribe(count)
    controller = ObsController(
        client,
        clock=SystemClock(),
        announce=identity if period is not None else None,
        announce_interval=period,
    )
    await controller.start()
    if not await controller.wait_connected(10):
        raise SystemExit(f"could not connect: {controller.status.last_error}")
    await asyncio.sleep(1.0)  # past the connect's own work
    assert obs.obs is not None
    cpu0, obs0, wall0, n0 = (
        time.process_time(),
        obs_cpu_seconds(obs.obs.pid),
        time.monotonic(),
        len(heard),
    )
    await asyncio.sleep(seconds)
    cpu1, obs1, wall1 = time.process_time(), obs_cpu_seconds(obs.obs.pid), time.monotonic()
    window = heard[n0:]
    await controller.stop()
    wall = wall1 - wall0
    gaps = sorted(b - a for a, b in itertools.pairwise(window))
    return {
        "rate": len(window) / wall,
        "gap_p50": statistics.median(gaps) if gaps else 0.0,
        "gap_p99": gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))] if gaps else 0.0,
        "gap_max": gaps[-1] if gaps else 0.0,
        "cpu": (cpu1 - cpu0) / wall * 100,
        "obs_cpu": (obs1 - obs0) / wall * 100,
        "count": float(len(window)),
    }


async def run(args: argparse.Namespace, obs: HeadlessObs) -> int:
    results: dict[float | None, dict[str, float]] = {}
    for period in PERIODS:
        results[period] = await measure(obs, period, args.seconds)
    base = results[None]
    print(f"\n{args.seconds:g} s per period; load: {args.load or 'none'}; kind {KIND!r}")
    print(
        f"{'period':>7} {'req/s':>6} {'gap p50':>8} {'p99':>6} {'max':>6} "
        f"{'run CPU%':>9} {'cost':>6} {'OBS CPU%':>9} {'cost':>6} {'µs/ann':>7}"
    )
    for period, r in results.items():
        name = "none" if period is None else f"{period:g} s"
        cost = r["cpu"] - base["cpu"]
        per = cost / 100 * args.seconds / r["count"] * 1e6 if r["count"] else 0.0
        gaps = f"{r['gap_p50']:8.3f} {r['gap_p99']:6.3f} {r['gap_max']:6.3f}"
        print(
            f"{name:>7} {r['rate']:6.2f} {gaps} {r['cpu']:9.2f} {cost:6.2f} "
            f"{r['obs_cpu']:9.2f} {r['obs_cpu'] - base['obs_cpu']:6.2f} {per:7.0f}"
        )
    worst = results[0.25]["gap_max"]
    ok = worst < TAKEOVER_DELAY
    print(f"\nlongest gap at 0.25 s: {worst:.3f} s (< takeover delay {TAKEOVER_DELAY:g} s: {ok})")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="window per period")
    parser.add_argument("--load", type=int, default=0, help="stress-ng --cpu N meanwhile")
    args = parser.parse_args()
    reason = obs_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    stress = None
    if args.load:
        if shutil.which("stress-ng") is None:
            print("cannot run: --load needs stress-ng", file=sys.stderr)
            return 2
        stress = subprocess.Popen(
            ["stress-ng", "--cpu", str(args.load), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    with tempfile.TemporaryDirectory(prefix="bench-announce-") as tmp:
        obs = HeadlessObs(Path(tmp))
        obs.start()
        try:
            print(f"OBS ready in {obs.ready_seconds:.2f} s at {obs.url}")
            return asyncio.run(run(args, obs))
        finally:
            obs.stop()
            if stress is not None:
                stress.terminate()
                stress.wait(10)


if __name__ == "__main__":
    sys.exit(main())
