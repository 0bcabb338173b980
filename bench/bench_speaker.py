"""Benchmark: operator action -> 50 speaker screens showing it, and what serving them costs.

The operator's process runs a ShowSession and the SpeakerServer; the followers
run in separate processes (so their CPU is not billed to the operator), each a
real `Follower` (the terminal app's client: it parses every snapshot and
computes the display). The operator extends the live slot by one minute, 50
times; each follower stamps the moment it has parsed and displayed each new
deadline with CLOCK_MONOTONIC, which all processes on one machine share, so
the delay is measured end to end without any clock correction.

    python bench/bench_speaker.py [--followers 50] [--actions 50] [--idle 10]

Prints p50 / p99 / max delay (target p99 <= 50 ms), the operator's CPU time per
action fan-out, and its CPU use over an idle period with every follower on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from timekeeper.core.clock import SimulatedClock, SystemClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.programme import Event, Programme, Slot, Speaker
from timekeeper.show.session import ShowSession
from timekeeper.speaker.follower import Follower
from timekeeper.speaker.server import SpeakerServer

DONE = "bench: done"
PROCESSES = 2


def programme() -> Programme:
    """A short show whose second slot is live at 15:40 (the seed event's shape)."""
    tz = ZoneInfo("Europe/Amsterdam")
    day = date(2023, 11, 20)

    def slot(sid: str, hh: int, mm: int, minutes: int, **kw: object) -> Slot:
        start = datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).astimezone(
            ZoneInfo("UTC")
        )
        return Slot(sid, sid.title(), start, timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]

    return Programme(
        event=Event("Bench event", day, "Europe/Amsterdam"),
        slots=(
            slot("introduction", 15, 30, 5),
            slot("keynote", 15, 35, 35, speakers=(Speaker("Antonio A. Casilli"),)),
            slot("panel", 16, 10, 60),
        ),
    )


# ---------------------------------------------------------------- follower processes


async def followers(url: str, count: int) -> None:
    """Run `count` followers; print READY, then at DONE print each one's receipt times."""
    seen: list[dict[str, float]] = [{} for _ in range(count)]
    done = [asyncio.Event() for _ in range(count)]
    clock = SystemClock()

    def watcher(i: int, follower: Follower) -> None:
        last = -1

        def on_change() -> None:
            nonlocal last
            snap = follower.snapshot
            if snap is None or snap.seq == last:
                return
            last = snap.seq
            shown = follower.display()  # what the screen would draw: parse + compute, like the app
            stamp = time.monotonic()
            if snap.live is not None:
                seen[i].setdefault(snap.live.countdown.deadline.isoformat(), stamp)
            if shown.message == DONE:
                done[i].set()

        follower.on_change = on_change

    fs = [Follower(url, clock) for _ in range(count)]
    for i, f in enumerate(fs):
        watcher(i, f)
    tasks = [asyncio.get_running_loop().create_task(f.run()) for f in fs]
    while not all(f.connected for f in fs):
        await asyncio.sleep(0.05)
    print("READY", flush=True)
    await asyncio.gather(*(d.wait() for d in done))
    print(json.dumps(seen), flush=True)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------- the operator


async def operator(n_followers: int, n_actions: int, idle: float, interval: float) -> None:
    session = ShowSession(
        programme(), SimulatedClock(datetime(2023, 11, 20, 14, 40, tzinfo=ZoneInfo("UTC")))
    )
    session.tick()
    server = SpeakerServer(session, port=0)
    url = await server.start()
    per = [
        n_followers // PROCESSES + (1 if i < n_followers % PROCESSES else 0)
        for i in range(PROCESSES)
    ]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--follow",
            url,
            "--count",
            str(n),
            stdout=asyncio.subprocess.PIPE,
        )
        for n in per
        if n
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            line = await asyncio.wait_for(p.stdout.readline(), timeout=60)
            assert line.strip() == b"READY", line
        print(f"{server.followers} followers connected to {url}")

        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(idle)
        idle_cpu = time.process_time() - cpu0
        idle_wall = time.monotonic() - wall0

        sent: dict[str, float] = {}
        cpu0, wall0 = time.process_time(), time.monotonic()
        for _ in range(n_actions):
            started = time.monotonic()
            session.act(Action(ActionKind.EXTEND, minutes=1))
            cd = session.status().countdown
            assert cd is not None
            sent[cd.deadline.isoformat()] = started
            await asyncio.sleep(interval)
        phase_cpu = time.process_time() - cpu0
        phase_wall = time.monotonic() - wall0

        session.set_message(DONE)
        results = []
        for p in procs:
            assert p.stdout is not None
            results += json.loads(await asyncio.wait_for(p.stdout.readline(), timeout=60))
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
            await p.wait()
        await server.stop()

    delays = sorted(
        (seen[deadline] - at) * 1000
        for seen in results
        for deadline, at in sent.items()
        if deadline in seen
    )
    expected = len(results) * len(sent)
    idle_rate = idle_cpu / idle_wall
    per_action = (phase_cpu - idle_rate * phase_wall) / n_actions * 1000
    print(
        f"actions: {n_actions} extensions, {interval * 1000:.0f} ms apart; "
        f"followers: {len(results)}"
    )
    print(f"deliveries: {len(delays)} of {expected} (missing = superseded before it was sent)")
    print(
        f"delay action -> parsed and shown, ms: p50 {_pct(delays, 50):.2f}  "
        f"p99 {_pct(delays, 99):.2f}  max {max(delays):.2f}  (target p99 <= 50)"
    )
    print(
        f"operator CPU per action fan-out to {len(results)} followers: {per_action:.2f} ms "
        f"({phase_cpu * 1000:.0f} ms CPU over {phase_wall:.1f} s of actions, idle share removed)"
    )
    print(
        f"operator CPU idle with {len(results)} followers: {100 * idle_rate:.2f} % "
        f"({idle_cpu * 1000:.0f} ms over {idle_wall:.1f} s: heartbeats and clock pings)"
    )


def _pct(values: list[float], pct: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--actions", type=int, default=50)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between actions")
    parser.add_argument("--follow", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=25, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.follow:
        asyncio.run(followers(args.follow, args.count))
    else:
        asyncio.run(operator(args.followers, args.actions, args.idle, args.interval))


if __name__ == "__main__":
    main()
