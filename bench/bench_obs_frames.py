"""Benchmark: is every boundary's new scene on the first frame OBS renders after the boundary?

Measured from OBS's own recording, not from its events. A real, headless OBS
(tests/obs/headless.py) gets a solid colour per scene; the ObsController
switches scenes at planned boundaries (`sleep_until`, as the show's scheduler
does) while OBS records; Debian's `ffmpeg` then decodes the recording frame by
frame (`ffprobe` gives each frame's timestamp) and each frame is classified by
its colour.

Anchoring the recording on the clock: OBS sends its confirming event
(CurrentProgramSceneChanged) on the frame that shows the new scene, so each
switch's first new frame was rendered after the request was on the wire and
before the confirmation arrived. Intersecting those windows over a run (the
warm-up switches at random phases included; a window broken by a frame OBS
skipped under load is left out, the count is printed) puts the recording's
first frame on the clock; it must come out within ±3 ms
(printed as "anchor"), otherwise the run is reported as not anchored.

For each boundary: the first frame whose time is at or after the boundary,
and whether it shows the new scene ("first"), else how many frames late it
came. With `--phase lead` (the default) each boundary is placed `--lead` ms
before one of OBS's frame ticks, so the first frame after it is unambiguous and
OBS has that long to apply a request sent on time. The ticks are read from the
previous anchored recording (a first, unreported run 0 records the warm-ups
alone): the confirmations' arrival times, used before, come late by up to 8 ms
under load, which put boundaries 2 ms before a tick instead of 10. `--phase
random` places boundaries at a random phase (a tick that falls within the
first milliseconds after a boundary cannot show the new scene, whatever
timekeeper does).

    python bench/bench_obs_frames.py [--runs 3] [--boundaries 10] [--fps 30] [--load 2]
        [--phase lead|random] [--release director|session|armed|instant]

`--release director` (the default) runs the show's own path: a programme whose
slots start at the boundaries (one scene each), a `ShowSession` on the system
clock running its scheduler, and the `ObsDirector` on the controller — the
director arms each boundary's switch ahead, as `timekeeper run` does; `--release
session` is the same path arming nothing (the switch leaves when the session has
ticked, as before the director armed switches). `--release
armed` hands each switch to `ObsController.arm_switch` 150 ms ahead itself and
the driver releases it at the instant (`timekeeper.obs.release`); `--release
instant` wakes with `sleep_until` at the boundary, then calls `switch_scene`, as
the show's scheduler did before the director armed switches.

`--load N` runs `stress-ng --cpu N` for the whole measurement (both cores busy
on a 2-core machine). Exit status 0 only if every anchored boundary was on
its first frame.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_obs_switch import instrument_writes  # noqa: E402
from bench.frames_show import (  # noqa: E402
    DIRECTOR_AHEAD,
    RELEASED,
    epoch,
    millis,
    run_director,
    timed_release,
)
from bench.frames_video import Frames, decode, paint_scenes  # noqa: E402
from tests.obs.headless import DEFAULT_SCENES, HeadlessObs, obs_missing_reason  # noqa: E402
from timekeeper.core.clock import SystemClock  # noqa: E402
from timekeeper.obs.client import ObsClient  # noqa: E402
from timekeeper.obs.controller import ObsController, SwitchPolicy  # noqa: E402
from timekeeper.obs.events import ObsEvent  # noqa: E402
from timekeeper.obs.outputs import OUTPUT_STARTED, OUTPUT_STOPPED  # noqa: E402
from timekeeper.obs.port import PortEvent, RecordStateChanged  # noqa: E402
from timekeeper.show.timing import sleep_until  # noqa: E402

ANCHOR_MS = 3.0
WARM_UPS = 16  # switches that estimate OBS's frame clock (and anchor the recording) before a run
ARM_AHEAD = 0.15  # seconds before a boundary its switch is armed (--release armed)
OBS_TIME = 5.0  # ms before its frame tick a request is surely in time (OBS needs ~1 ms)
WIRE_SLACK = 0.002  # the clock's and perf_counter's readings of one instant may differ this much


@dataclass
class Switch:
    boundary: float  # epoch seconds
    wire: float  # the request written to the socket, epoch seconds
    confirmed: float  # OBS's confirming event, epoch seconds
    scene: int
    request_ms: float  # the controller's request delay after the boundary


async def one_run(
    args: argparse.Namespace,
    obs: HeadlessObs,
    run: int,
    rng: random.Random,
    count: int,
    tick_at: float | None,
) -> tuple[list[str], float | None]:
    """Record one run of `count` boundaries; return its report lines (and print them) and
    an instant of one of OBS's frame ticks read from the anchored recording (or None).
    `tick_at` (from an earlier recording) places the boundaries, else the warm-ups do."""
    clock = SystemClock()
    client = ObsClient(obs.url, obs.password)
    seen: list[ObsEvent] = []
    controller = ObsController(
        client,
        clock=clock,
        on_event=seen.append,
        switch_policy=SwitchPolicy(confirm_timeout=2.0, retries=0),
        heartbeat_interval=3600,  # no background requests between the measured ones
        release=timed_release,
    )
    await controller.start()
    if not await controller.wait_connected(10):
        raise SystemExit(f"could not connect: {controller.status.last_error}")
    frame = (await client.get_video_settings()).frame_interval
    await client.set_current_scene_transition("Cut")
    await controller.switch_scene(obs.scenes[0], boundary_at=clock.now(), key="start")
    writes = instrument_writes(client)
    offset = clock.now().timestamp() - time.perf_counter()

    record_state: dict[str, tuple[float, str | None]] = {}
    changed = asyncio.Event()

    def on_port(event: PortEvent) -> None:
        if isinstance(event, RecordStateChanged) and event.state not in record_state:
            record_state[event.state] = (clock.now().timestamp(), event.path)
            changed.set()

    unsubscribe = client.subscribe(on_port)
    asked = clock.now().timestamp()
    await client.start_record()
    while OUTPUT_STARTED not in record_state:
        await asyncio.wait_for(changed.wait(), 10)
        changed.clear()
    # OBS's frame clock, estimated from when its confirming events arrive: each comes on a
    # frame, a little after it, so the earliest phase is the closest to OBS's ticks.
    arrivals = []
    warm_ups: list[Switch] = []  # at random phases: they also anchor the recording
    for i in range(WARM_UPS):
        index = 1 + i % (len(obs.scenes) - 1)
        called = time.perf_counter()
        warm = await controller.switch_scene(
            obs.scenes[index], boundary_at=clock.now(), key="warm-up"
        )
        sent = next((w for w in writes if w >= called), None)
        wire = sent + offset if sent is not None else float("nan")
        arrivals.append(epoch(warm.confirmed_at))
        request_ms = millis(warm.request_delay)
        warm_ups.append(Switch(epoch(warm.boundary_at), wire, arrivals[-1], index, request_ms))
        await asyncio.sleep(0.1 + rng.uniform(0, frame))
    ref = arrivals[0]  # arrivals come late under load: a recording's ticks are better
    tick = tick_at or ref + min((a - ref + frame / 2) % frame - frame / 2 for a in arrivals)
    current = 1 + (WARM_UPS - 1) % (len(obs.scenes) - 1)

    switches: list[Switch] = []
    n = len(obs.scenes)
    t = clock.now().timestamp() + 0.6
    plan: list[tuple[float, int]] = []  # (boundary, scene index)
    for _ in range(count):
        t += args.spacing / 1000 + rng.uniform(0, frame)
        if args.phase == "lead":  # `lead` ms before a tick of OBS's frame clock (estimated)
            t = tick + ((t - tick) // frame + 1) * frame - args.lead / 1000
        current = (current + 1 + rng.randrange(n - 1)) % n
        plan.append((t, current))
    if args.release in ("director", "session") and plan:
        times = [b for b, _ in plan]
        seen.clear()
        ahead = 0.0 if args.release == "session" else DIRECTOR_AHEAD
        scenes = [obs.scenes[c] for _, c in plan]
        results = await run_director(controller, seen, times, scenes, ahead)
        perf_at = [b - offset for b in times]
        for (b, index), p, (confirmed, request_ms) in zip(plan, perf_at, results, strict=True):
            sent = next((w for w in writes if w >= p - WIRE_SLACK), None)  # at the instant
            wire = sent + offset if sent is not None else float("nan")
            switches.append(Switch(b, wire, confirmed, index, request_ms))
    for i, (t, current) in enumerate(plan if args.release in ("armed", "instant") else []):
        boundary = datetime.fromtimestamp(t, tz=clock.now().tzinfo)
        scene = obs.scenes[current]
        if args.release == "armed":  # handed over ahead; the driver releases it on time
            await asyncio.sleep(max(0.0, t - ARM_AHEAD - clock.now().timestamp()))
            called = time.perf_counter()
            future = controller.arm_switch(scene, boundary_at=boundary, key=f"b{i}")
        else:  # the scheduler's way: wake at the boundary, then ask
            await sleep_until(clock, boundary)
            called = time.perf_counter()
            future = controller.switch_scene(scene, boundary_at=boundary, key=f"b{i}")
        record = await asyncio.wait_for(future, 5)
        sent = next((w for w in writes if w >= called), None)
        wire = sent + offset if sent is not None else float("nan")
        request_ms = millis(record.request_delay)
        switches.append(Switch(t, wire, epoch(record.confirmed_at), current, request_ms))

    await asyncio.sleep(0.5)
    await client.stop_record()
    while OUTPUT_STOPPED not in record_state:
        await asyncio.wait_for(changed.wait(), 10)
        changed.clear()
    unsubscribe()
    await controller.stop()
    path = record_state[OUTPUT_STOPPED][1]
    if path is None:
        raise SystemExit("OBS did not say where the recording is")
    frames = decode(Path(path), n)
    return report(run, frames, switches, warm_ups, asked)


def report(
    run: int, frames: Frames, switches: list[Switch], warm_ups: list[Switch], start: float
) -> tuple[list[str], float | None]:
    # Anchor the first frame on the clock: each switch's first new frame lies between its
    # request (on the wire) and OBS's confirming event (sent on the frame that shows it).
    windows = []
    for s in warm_ups + switches:
        k1 = next(
            (k for k, sc in enumerate(frames.scenes)
             if sc == s.scene and k > 0 and frames.scenes[k - 1] != s.scene
             and frames.times[k] >= s.boundary - start - 0.25),
            None,
        )  # fmt: skip
        if k1 is not None:
            windows.append((s.wire - frames.times[k1], s.confirmed - frames.times[k1]))
    # The instant most windows agree on (a frame OBS skipped under load breaks its window),
    # then the intersection of those that hold it.
    best = max((w[0] for w in windows), key=lambda x: sum(lo <= x <= hi for lo, hi in windows))
    agree = [(lo, hi) for lo, hi in windows if lo <= best <= hi]
    lo, hi = max(w[0] for w in agree), min(w[1] for w in agree)
    anchored = hi - lo <= 2 * ANCHOR_MS / 1000 and hi >= lo
    t0 = (lo + hi) / 2
    lines = [
        f"run {run}: anchor ±{(hi - lo) / 2 * 1000:.1f} ms ({len(agree)} of {len(windows)} "
        f"switches agree), {len(frames.times)} frames"
    ]
    head = f"{'#':>3} {'request':>8} {'wire':>7} {'confirm':>8} {'tick':>6}  first frame"
    lines.append(f"{head}   (ms after the boundary)")
    for i, s in enumerate(switches):
        k0 = next((k for k, ft in enumerate(frames.times) if t0 + ft >= s.boundary), None)
        req_ms = s.request_ms
        if k0 is None:
            verdict = "no frame after it"
            tick = float("nan")
        else:
            tick = (t0 + frames.times[k0] - s.boundary) * 1000
            late = next(
                (k - k0 for k in range(k0, len(frames.scenes)) if frames.scenes[k] == s.scene),
                None,
            )
            verdict = "yes" if late == 0 else f"NO, {late} frame(s) late"
        lines.append(
            f"{i:>3} {req_ms:8.2f} {(s.wire - s.boundary) * 1000:7.2f} "
            f"{(s.confirmed - s.boundary) * 1000:8.2f} {tick:6.1f}  {verdict}"
        )
    lines.append("" if anchored else "  NOT ANCHORED within ±3 ms: the verdicts are unreliable")
    print("\n".join(lines), flush=True)
    return lines, t0 if anchored else None  # the first frame was rendered on a tick


def summarise(lines: list[str]) -> tuple[int, int, list[float], list[int], int]:
    """Boundaries on their first frame, boundaries, wire delays (ms), frame lags (frames),
    and the misses OBS had time for (the request on the wire `OBS_TIME` ms before the tick)."""
    rows = [ln.split() for ln in lines if ln[:3].strip().isdigit()]
    first = sum(1 for r in rows if r[5] == "yes")
    wires = [float(r[2]) for r in rows]
    lags = [0 if r[5] == "yes" else int(r[6]) for r in rows if r[5] in ("yes", "NO,")]
    obs_late = sum(1 for r in rows if r[5] == "NO," and float(r[4]) - float(r[2]) >= OBS_TIME)
    return first, len(rows), wires, lags, obs_late


def p99(values: list[float] | list[int]) -> float:
    """The 99th percentile (nearest rank: of 30 values, the largest)."""
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, -(-99 * len(ranked) // 100) - 1))]


async def run_all(args: argparse.Namespace, obs: HeadlessObs) -> int:
    rng = random.Random(args.seed)
    first = total = 0
    wires: list[float] = []
    lags: list[int] = []
    unanchored = obs_late = 0
    tick_at = None
    if args.phase == "lead":  # a recording of warm-ups alone puts OBS's frame ticks on the clock
        print("run 0 calibrates the frame ticks:")
        _, tick_at = await one_run(args, obs, 0, rng, 0, None)
    for run in range(1, args.runs + 1):
        lines, tick = await one_run(args, obs, run, rng, args.boundaries, tick_at)
        tick_at = tick or tick_at
        unanchored += any("NOT ANCHORED" in ln for ln in lines)
        f, n, w, lag, late = summarise(lines)
        first, total, wires, lags = first + f, total + n, wires + w, lags + lag
        obs_late += late
    load = f"stress-ng --cpu {args.load}" if args.load else "quiet"
    print(
        f"{load}, {args.fps} fps, phase {args.phase}, release {args.release}: "
        f"{first} of {total} boundaries on their first frame; frame lag p50/p99/max "
        f"{statistics.median(lags):g}/{p99(lags):g}/{max(lags)}; request on the wire "
        f"median {statistics.median(wires):.2f} ms, p99 {p99(wires):.2f} ms, max "
        f"{max(wires):.2f} ms after the boundary; {unanchored} run(s) not anchored; of "
        f"the {total - first} misses, {obs_late} had the request on the wire {OBS_TIME:g} ms "
        "or more before the frame tick (OBS late), the rest less (timekeeper late)"
    )
    if RELEASED:
        print(
            f"{len(RELEASED)} armed releases woke late by median "
            f"{statistics.median(RELEASED):.2f} ms, p99 {p99(RELEASED):.2f}, "
            f"max {max(RELEASED):.2f} ms"
        )
    return 0 if first == total and not unanchored else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--boundaries", type=int, default=10)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--spacing", type=float, default=700.0, help="ms between boundaries")
    parser.add_argument("--phase", choices=("lead", "random"), default="lead")
    parser.add_argument("--lead", type=float, default=10.0, help="ms from boundary to frame tick")
    parser.add_argument(
        "--release",
        choices=("director", "session", "armed", "instant"),
        default="director",
        help="director: the session and ObsDirector (arming ahead); session: the same, "
        "arming nothing; armed: ObsController.arm_switch ahead; instant: sleep_until, "
        "then switch_scene",
    )
    parser.add_argument("--load", type=int, default=0, help="stress-ng --cpu N meanwhile")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    reason = obs_missing_reason()
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if args.load and shutil.which("stress-ng") is None:
        missing.append("stress-ng")
    if reason or missing:
        why = reason or f"{', '.join(missing)} not found (apt-get install ffmpeg stress-ng)"
        print(f"cannot run: {why}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp:
        obs = HeadlessObs(Path(tmp), fps=args.fps, scenes=DEFAULT_SCENES[:4], size=(320, 180))
        obs.start()
        stress: subprocess.Popen[Any] | None = None
        try:
            paint_scenes(obs)
            if args.load:
                stress = subprocess.Popen(
                    ["stress-ng", "--cpu", str(args.load), "--quiet"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(1)
            print(f"OBS ready in {obs.ready_seconds:.2f} s", flush=True)
            return asyncio.run(run_all(args, obs))
        finally:
            if stress is not None:
                stress.terminate()
                stress.wait(10)
            obs.stop()


if __name__ == "__main__":
    sys.exit(main())
