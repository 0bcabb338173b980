"""Benchmark: scene switches at precise boundaries against a real, headless OBS.

Starts OBS Studio headless (tests/obs/headless.py), connects an ObsController
and runs N switches (default 60), each scheduled with
`timekeeper.show.timing.sleep_until` at a planned boundary instant. For each
switch it measures, from the boundary:

- request:  the controller's stamp just before handing the request to the client;
- wire:     the websocket frame actually written to the socket (transport.write);
- confirm:  OBS's CurrentProgramSceneChanged reaching the controller;

and prints median, p95, p99 and max, the OBS frame interval, and whether the
targets hold: request within 5 ms of the boundary at p99, confirmation within
one frame interval + 10 ms at p99.

    python bench/bench_obs_switch.py [--switches 60] [--fps 30] [--no-quickack]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.obs.headless import HeadlessObs, obs_missing_reason  # noqa: E402
from timekeeper.core.clock import SystemClock  # noqa: E402
from timekeeper.obs.client import ObsClient  # noqa: E402
from timekeeper.obs.controller import ObsController, SwitchPolicy, SwitchRecord  # noqa: E402
from timekeeper.show.timing import sleep_until  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p99 is a measured value)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} median {statistics.median(values):6.2f}  p95 {percentile(values, 95):6.2f}  "
        f"p99 {percentile(values, 99):6.2f}  max {max(values):6.2f}  ms"
    )


def instrument_writes(client: ObsClient) -> list[float]:
    """Record perf_counter() of every write to the websocket's transport (observation only)."""
    stamps: list[float] = []
    transport: Any = client._ws.ws.transport  # the bench may look inside; the app does not
    write = transport.write

    def stamped(data: Any) -> None:
        stamps.append(time.perf_counter())
        write(data)

    transport.write = stamped
    return stamps


async def run(args: argparse.Namespace, obs: HeadlessObs) -> int:
    clock = SystemClock()
    client = ObsClient(obs.url, obs.password, tcp_quickack=not args.no_quickack)
    controller = ObsController(
        client,
        clock=clock,
        switch_policy=SwitchPolicy(confirm_timeout=2.0, retries=0),
        heartbeat_interval=3600,  # no background requests between the measured ones
    )
    await controller.start()
    if not await controller.wait_connected(10):
        print(f"could not connect: {controller.status.last_error}", file=sys.stderr)
        return 1
    video = await client.get_video_settings()
    frame_ms = video.frame_interval * 1000
    await client.set_current_scene_transition("Cut")
    writes = instrument_writes(client)
    # wall clock <-> perf_counter, to put the socket writes on the clock's time line
    offset = clock.now().timestamp() - time.perf_counter()

    rng = random.Random(args.seed)
    scenes = list(obs.scenes)
    boundary = clock.now() + timedelta(milliseconds=500)
    futures: list[asyncio.Future[SwitchRecord]] = []
    called: list[float] = []
    for i in range(args.switches):
        # a random phase against OBS's frame clock, as real boundaries have
        boundary += timedelta(milliseconds=args.spacing + rng.uniform(0, frame_ms))
        await sleep_until(clock, boundary)
        called.append(time.perf_counter())
        futures.append(
            controller.switch_scene(
                scenes[(i + 1) % len(scenes)], boundary_at=boundary, key=f"b{i}"
            )
        )
    records = [await asyncio.wait_for(f, 5) for f in futures]
    await controller.stop()

    request_ms, wire_ms, confirm_ms = [], [], []
    header = f"{'#':>3} {'scene':<10} {'request':>8} {'wire':>8} {'confirm':>8}"
    print(f"{header}   (ms after the boundary)")
    for i, (rec, t_call) in enumerate(zip(records, called, strict=True)):
        sent = next((w for w in writes if w >= t_call), None)
        wire = (
            (sent + offset - rec.boundary_at.timestamp()) * 1000
            if sent is not None
            else float("nan")
        )
        req = rec.request_delay.total_seconds() * 1000 if rec.request_delay else float("nan")
        conf = rec.confirm_delay.total_seconds() * 1000 if rec.confirm_delay else float("nan")
        flag = "" if rec.ok else f"  {rec.outcome}: {rec.error}"
        print(f"{i:>3} {rec.scene:<10} {req:8.2f} {wire:8.2f} {conf:8.2f}{flag}")
        if rec.ok:
            request_ms.append(req)
            wire_ms.append(wire)
            confirm_ms.append(conf)

    failed = len(records) - len(confirm_ms)
    print()
    quickack = "off" if args.no_quickack else "on"
    print(f"OBS {obs.fps} fps: frame interval {frame_ms:.2f} ms; TCP_QUICKACK {quickack}; ", end="")
    print(f"{len(records)} switches, {failed} failed")
    print(summary("boundary -> request", request_ms))
    print(summary("boundary -> on the wire", wire_ms))
    print(summary("boundary -> confirming event", confirm_ms))
    ok_request = percentile(wire_ms, 99) <= 5.0
    ok_confirm = percentile(confirm_ms, 99) <= frame_ms + 10.0
    print(f"target request p99 <= 5 ms: {'met' if ok_request else 'MISSED'}")
    print(f"target confirm p99 <= {frame_ms + 10:.1f} ms (frame + 10): "
          f"{'met' if ok_confirm else 'MISSED'}")  # fmt: skip
    return 0 if ok_request and ok_confirm and not failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--switches", type=int, default=60)
    parser.add_argument(
        "--spacing", type=float, default=200.0, help="ms between boundaries (+ a random phase)"
    )
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-quickack", action="store_true", help="measure without TCP_QUICKACK")
    args = parser.parse_args()
    reason = obs_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-obs-") as tmp:
        obs = HeadlessObs(Path(tmp), fps=args.fps)
        obs.start()
        try:
            print(f"OBS ready in {obs.ready_seconds:.2f} s at {obs.url}")
            return asyncio.run(run(args, obs))
        finally:
            obs.stop()


if __name__ == "__main__":
    sys.exit(main())
