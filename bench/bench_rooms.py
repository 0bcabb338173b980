"""Benchmark: 8 rooms and 100 broker-connected followers on one machine, through a real mosquitto.

A private mosquitto (tests/rooms/broker.py) on a free port. Each room is its own
process: a ShowSession on a pretend clock (a live slot) and the real RoomService
publishing it. Each room first changes its show `--changes` times with no broker
(a speaker message every `--interval` s: the baseline), then the same with its
RoomService connected, and reports its own CPU time over both windows: the
difference is what publishing costs the room. The followers are real
`RoomFollower`s (what `timekeeper speaker --mqtt` uses: it parses every status and
computes the display), each on its own broker connection, spread over the rooms,
in two processes. Each message's text carries the CLOCK_MONOTONIC instant of the
change (all processes on one machine share that clock), so the delay from the
room's change to a follower having parsed and displayed it is measured end to end.

    python bench/bench_rooms.py [--rooms 8] [--followers 100] [--changes 40] [--interval 0.25]

Prints p50 / p99 / max delay over every follower's every change (target p99 <= 100 ms)
and each room's CPU: baseline, with publishing, and the extra (per change and in %).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.rooms.broker import Broker
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import SimulatedClock, SystemClock
from timekeeper.core.programme import Event, Programme, Slot, Speaker
from timekeeper.rooms.follower import RoomFollower
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.show.session import ShowSession

VENUE = "Bench Venue"
TZ = ZoneInfo("Europe/Amsterdam")
FOLLOWER_PROCESSES = 2


def programme() -> Programme:
    day = date(2023, 11, 20)

    def slot(sid: str, hh: int, mm: int, minutes: int, **kw: object) -> Slot:
        start = datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)
        return Slot(sid, sid.title(), start, timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]

    return Programme(
        event=Event("Bench event", day, "Europe/Amsterdam"),
        slots=(
            slot("introduction", 15, 30, 5),
            slot("keynote", 15, 35, 35, speakers=(Speaker("Antonio A. Casilli"),)),
            slot("panel", 16, 10, 60),
        ),
    )


def room_name(i: int) -> str:
    return f"Room {i + 1}"


# ---------------------------------------------------------------- a room process


async def room(port: int, name: str, changes: int, interval: float) -> None:
    session = ShowSession(programme(), SimulatedClock(datetime(2023, 11, 20, 15, 40, tzinfo=TZ)))
    session.tick()

    async def change_window(tag: str) -> float:
        cpu0 = time.process_time()
        for seq in range(changes):
            session.set_message(f"bench {tag} {seq} {time.monotonic_ns()}")
            await asyncio.sleep(interval)
        return time.process_time() - cpu0

    baseline = await change_window("base")
    options = RoomOptions(room=name, mqtt=f"mqtt://127.0.0.1:{port}", venue=VENUE)
    runtime = Runtime.of(session, RunOptions(Path("bench.yaml")), session.clock.now())
    service = RoomService(options, environ={})
    await service.start(runtime)
    while not service.state.connected:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)  # every follower has its retained status: the window is steady
    publishing = await change_window("pub")
    published = service.published
    await service.stop()
    print(
        json.dumps(
            {
                "room": name,
                "baseline_cpu": baseline,
                "publishing_cpu": publishing,
                "published": published,
                "window": changes * interval,
            }
        ),
        flush=True,
    )


# ---------------------------------------------------------------- a follower process


async def followers(port: int, rooms: list[str]) -> None:
    """One RoomFollower per entry of `rooms`; prints its delays (ms) when stdin says done."""
    settings = BrokerSettings("127.0.0.1", port)
    clock = SystemClock()
    delays: list[float] = []
    made: list[RoomFollower] = []
    for name in rooms:
        seen: set[int] = set()
        follower = RoomFollower(
            settings, RoomTopics.named(VENUE, name), clock, backoff=Backoff(jitter=0)
        )

        def on_change(f: RoomFollower = follower, seen: set[int] = seen) -> None:
            snap = f.snapshot
            if snap is None or snap.message is None:
                return
            parts = snap.message.text.split()
            if len(parts) != 4 or parts[1] != "pub" or int(parts[2]) in seen:
                return
            f.display()  # what the screen does with it
            seen.add(int(parts[2]))
            delays.append((time.monotonic_ns() - int(parts[3])) / 1e6)

        follower.on_change = on_change
        made.append(follower)
    tasks = [asyncio.get_running_loop().create_task(f.run()) for f in made]
    while not all(f.connected for f in made):
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"delays": delays}), flush=True)


# ---------------------------------------------------------------- the driver


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between changes")
    parser.add_argument("--as-room", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--as-followers", metavar="ROOMS", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_room is not None:
        asyncio.run(room(args.port, args.as_room, args.changes, args.interval))
        return
    if args.as_followers is not None:
        asyncio.run(followers(args.port, json.loads(args.as_followers)))
        return

    names = [room_name(i) for i in range(args.rooms)]
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(Path(tmp) / "broker")
        broker.start()
        me = [sys.executable, __file__, "--port", str(broker.port)]
        try:
            share = [
                [names[i % len(names)] for i in range(p, args.followers, FOLLOWER_PROCESSES)]
                for p in range(FOLLOWER_PROCESSES)
            ]
            fprocs = [
                subprocess.Popen(
                    [*me, "--as-followers", json.dumps(s)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for s in share
            ]
            for proc in fprocs:
                assert proc.stdout is not None
                if proc.stdout.readline().strip() != "ready":
                    raise SystemExit("bench: a follower process did not connect")
            print(
                f"{args.followers} followers connected; {args.rooms} rooms, "
                f"{args.changes} changes each every {args.interval} s",
                flush=True,
            )
            common = ["--changes", str(args.changes), "--interval", str(args.interval)]
            rprocs = [
                subprocess.Popen([*me, "--as-room", n, *common], stdout=subprocess.PIPE, text=True)
                for n in names
            ]
            rooms = [
                json.loads(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in rprocs
            ]
            time.sleep(0.5)
            delays: list[float] = []
            for proc in fprocs:
                out, _ = proc.communicate("done\n", timeout=60)
                delays += json.loads(out.strip().splitlines()[-1])["delays"]
        finally:
            broker.stop()

    expected = args.changes * args.followers
    print(f"\nchange -> follower displayed it: {len(delays)} of {expected} deliveries")
    if delays:
        print(
            f"  p50 {statistics.median(delays):.1f} ms, p99 {_pct(delays, 99):.1f} ms, "
            f"max {max(delays):.1f} ms   (target p99 <= 100 ms)"
        )
    print("\nroom CPU over each window (baseline: the same changes, no broker):")
    for r in rooms:
        extra = r["publishing_cpu"] - r["baseline_cpu"]
        print(
            f"  {r['room']:8} baseline {100 * r['baseline_cpu'] / r['window']:5.2f} %  "
            f"publishing {100 * r['publishing_cpu'] / r['window']:5.2f} %  "
            f"extra {100 * extra / r['window']:+5.2f} % "
            f"({1000 * extra / args.changes:+.2f} ms per change, {r['published']} statuses)"
        )


if __name__ == "__main__":
    main()
