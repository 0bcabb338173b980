"""Benchmark: how soon timekeeper is back after OBS is killed and started again.

Starts OBS Studio headless (tests/obs/headless.py), connects an ObsController
with the show's default policies (backoff 0.5 s doubling to 10 s, the TCP probe
every 0.1 s), puts a scene on program, then N times (default 5): kills OBS
(SIGKILL), keeps it down `--down` seconds (default 4: long enough for the
backoff to have grown to 2–4 s), starts it again and measures, from the moment
OBS was ready (its first obs-websocket Hello; a conservative instant, see
`HeadlessObs.wait_hello`):

- connected: the controller's `obs_connected` (OBS's scene, outputs and studio
  mode read again);
- re-synced: the live scene confirmed on program again (only when OBS came
  back on another scene).

Prints every run and the median; the target is connected within 1 s.

    python bench/bench_obs_reconnect.py [--runs 5] [--down 4] [--no-probe]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.obs.headless import HeadlessObs, obs_missing_reason  # noqa: E402
from timekeeper.core.clock import SystemClock  # noqa: E402
from timekeeper.obs.client import ObsClient  # noqa: E402
from timekeeper.obs.controller import ObsController  # noqa: E402
from timekeeper.obs.events import ObsEvent  # noqa: E402

TARGET = 1.0


async def never() -> bool:
    return False


async def run(args: argparse.Namespace, obs: HeadlessObs) -> int:
    clock = SystemClock()
    events: list[ObsEvent] = []
    controller = ObsController(
        ObsClient(obs.url, obs.password),
        clock=clock,
        on_event=events.append,
        probe=never if args.no_probe else None,  # never answering: the backoff alone
    )
    await controller.start()
    if not await controller.wait_connected(10):
        print(f"could not connect: {controller.status.last_error}", file=sys.stderr)
        return 1
    record = await asyncio.wait_for(
        controller.switch_scene("Keynote", boundary_at=clock.now(), key="live"), 5
    )
    assert record.ok, record
    connected_s: list[float] = []
    print(f"{'#':>2} {'connected':>10} {'re-synced':>10}   (s after OBS was ready)")
    for i in range(args.runs):
        obs.kill_obs()
        while controller.status.connected:
            await asyncio.sleep(0.01)
        await asyncio.sleep(args.down)
        seen = len(events)
        starting = asyncio.create_task(asyncio.to_thread(obs.start_obs))
        ready = await asyncio.to_thread(obs.wait_hello)
        await starting
        while not any(e.kind == "obs_connected" for e in events[seen:]):
            await asyncio.sleep(0.01)
        fresh = events[seen:]
        connected = next(e for e in fresh if e.kind == "obs_connected")
        back = (connected.at - ready).total_seconds()
        resynced = ""
        if connected.program_scene != "Keynote":
            while not any(
                e.kind == "scene_switch_confirmed" for e in events[seen:]
            ):  # the live scene is sent again
                await asyncio.sleep(0.01)
            confirm = next(e for e in events[seen:] if e.kind == "scene_switch_confirmed")
            resynced = f"{(confirm.at - ready).total_seconds():10.3f}"
        connected_s.append(back)
        print(f"{i:>2} {back:10.3f} {resynced:>10}")
    await controller.stop()
    median = statistics.median(connected_s)
    probe = "off (backoff only)" if args.no_probe else "on"
    print(f"\nprobe {probe}; OBS down {args.down:g} s each time; {args.runs} runs")
    print(f"reconnected after OBS was ready: median {median:.3f} s, max {max(connected_s):.3f} s")
    met = median <= TARGET
    print(f"target median <= {TARGET:g} s: {'met' if met else 'MISSED'}")
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--down", type=float, default=4.0, help="seconds OBS stays down")
    parser.add_argument("--no-probe", action="store_true", help="the backoff alone (before)")
    args = parser.parse_args()
    reason = obs_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-obs-") as tmp:
        obs = HeadlessObs(Path(tmp))
        obs.start()
        try:
            print(f"OBS ready in {obs.ready_seconds:.2f} s at {obs.url}")
            return asyncio.run(run(args, obs))
        finally:
            obs.stop()


if __name__ == "__main__":
    sys.exit(main())
