"""The faults, one function each: inject, wait for the recovery seen from outside, report.

Each fault returns a `FaultResult` (what, the show instant it was injected, how long
the fault lasted, how long the recovery took after it ended, whether it was
survived) and the blackouts it caused (windows in which timekeeper or OBS could not
act; the judge excuses boundaries and follower samples inside them). Recoveries are
read from outside evidence: the follower receiving a status the room sent after the
fault ended (timekeeper is back and publishing), OBS's own program scene, the as-run
log on disk. Timekeeper's stdout is read only to know that an edit has been seen.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.obs.headless import HeadlessObs
from tests.rooms.broker import Broker
from timekeeper.core.clock import SystemClock

from .judge import Blackout
from .observers import FollowerObserver, ObsObserver
from .programme import edited_text, invalid_text
from .stack import Show

CLOCK = SystemClock()
KINDS = ("kill", "stop", "obs", "broker", "invalid", "edit", "readonly", "kill_invalid")
WRITTEN = {"slot_started", "slot_ended", "phase", "turn_started", "turn_ended"}
RECOVERY_LIMIT = 30.0  # seconds after a fault ends; longer is "not recovered"


@dataclass(frozen=True)
class Ranges:
    """How long each fault lasts (seconds, drawn uniformly)."""

    stop: tuple[float, float] = (2, 10)
    obs: tuple[float, float] = (1, 30)
    broker: tuple[float, float] = (1, 10)
    invalid: tuple[float, float] = (1, 5)
    readonly: tuple[float, float] = (1, 5)


@dataclass
class FaultResult:
    kind: str
    real: datetime
    show: datetime
    lasted: float
    recovered_in: float | None
    detail: str = ""
    blackouts: list[Blackout] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return self.recovered_in is not None


@dataclass
class Context:
    """What every fault may touch."""

    show: Show
    obs: HeadlessObs
    broker: Broker
    obs_seen: ObsObserver
    follower: FollowerObserver
    programme: Path
    valid_text: str
    doc: dict[str, object]
    show_at: Callable[[datetime], datetime]
    live_scene: Callable[[datetime], str | None]  # the scene OBS should show then (None: any)
    rng: random.Random


def _wait(test: Callable[[], datetime | None], limit: float = RECOVERY_LIMIT) -> datetime | None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = test()
        if found is not None:
            return found
        time.sleep(0.05)
    return None


def _beat_after(ctx: Context, after: datetime) -> Callable[[], datetime | None]:
    """The first follower sample holding a heartbeat of the room that arrived after `after`
    (with a status fresh on screen): the run is alive and publishing. A status comes only
    with a change of the show, which at ×30 can be a long slot away (the soak)."""

    def test() -> datetime | None:
        for s in list(ctx.follower.samples):
            if s.real >= after and s.fresh and s.beat_real is not None and s.beat_real > after:
                return s.beat_real
        return None

    return test


def _alive_after(ctx: Context, after: datetime) -> Callable[[], datetime | None]:
    """A status sent, or a heartbeat arrived, after `after`: whichever came first."""
    status, beat = _status_after(ctx, after), _beat_after(ctx, after)

    def test() -> datetime | None:
        seen = [t for t in (status(), beat()) if t is not None]
        return min(seen) if seen else None

    return test


def _status_after(ctx: Context, after: datetime) -> Callable[[], datetime | None]:
    """The first follower sample showing a status the room sent after `after`."""

    def test() -> datetime | None:
        for s in reversed(list(ctx.follower.samples)):
            if s.real < after:
                return None
            if s.fresh and s.status_real is not None and s.status_real > after:
                earliest = s.real
                for t in reversed(list(ctx.follower.samples)):
                    if t.real < after or not (t.status_real and t.status_real > after):
                        break
                    earliest = t.real
                return earliest
        return None

    return test


def _line_after(ctx: Context, kinds: set[str], after: datetime) -> Callable[[], datetime | None]:
    def test() -> datetime | None:
        for run in ctx.show.runs:
            for line in list(run.lines):
                if line.real > after and line.data.get("event") in kinds:
                    return line.real
        return None

    return test


def _secs(a: datetime, b: datetime | None) -> float | None:
    return None if b is None else (b - a).total_seconds()


def kill(ctx: Context) -> FaultResult:
    """SIGKILL timekeeper, then the same command again."""
    t0, before = CLOCK.now(), len(ctx.show.runs)
    ctx.show.kill()
    ctx.show.start()
    back = _wait(_status_after(ctx, t0))
    end = back or CLOCK.now()
    return FaultResult("kill", t0, ctx.show_at(t0), 0.0, _secs(t0, back),
                       _exit_note(ctx, before), [Blackout(t0, end, "kill")])  # fmt: skip


def stop(ctx: Context, ranges: Ranges) -> FaultResult:
    """SIGSTOP for a while (a frozen laptop), then SIGCONT."""
    d = ctx.rng.uniform(*ranges.stop)
    t0 = CLOCK.now()
    ctx.show.signal(signal.SIGSTOP)
    time.sleep(d)
    ctx.show.signal(signal.SIGCONT)
    t1 = CLOCK.now()
    status, ended = _alive_after(ctx, t1), _line_after(ctx, {"show_ended"}, t1)
    # back when it publishes again, or when it ends the show at once: a freeze that outlasted
    # the show leaves nothing to publish, and a run that ends its show is not lost
    back = _wait(lambda: status() or ended())
    note = "" if back is not None and ended() else _exit_note(ctx, len(ctx.show.runs))
    blackout = Blackout(t0, back or t1, "stop")
    return FaultResult(
        "stop", t0, ctx.show_at(t0), (t1 - t0).total_seconds(), _secs(t1, back), note, [blackout]
    )


def obs_down(ctx: Context, ranges: Ranges) -> FaultResult:
    """OBS killed; started again after a while; recovered when OBS shows the live scene."""
    d = ctx.rng.uniform(*ranges.obs)
    t0 = CLOCK.now()
    ctx.obs.kill_obs()
    time.sleep(d)
    ctx.obs.start_obs()
    ready = CLOCK.now()

    def on_live_scene() -> datetime | None:
        now = CLOCK.now()
        want = ctx.live_scene(now)
        scene = _program_scene(ctx)
        return now if scene is not None and want in (None, scene) else None

    back = _wait(on_live_scene)
    return FaultResult("obs", t0, ctx.show_at(t0), (ready - t0).total_seconds(),
                       _secs(ready, back), f"OBS down {d:.1f} s",
                       [Blackout(t0, ready, "obs")])  # fmt: skip


def _program_scene(ctx: Context) -> str | None:
    seen = [s for s in list(ctx.obs_seen.seen) if s.kind in ("scene", "connected", "lost")]
    if not seen or seen[-1].kind == "lost":
        return None
    return seen[-1].scene


def broker_down(ctx: Context, ranges: Ranges) -> FaultResult:
    """The broker killed, and started again; recovered when the follower gets news again."""
    d = ctx.rng.uniform(*ranges.broker)
    t0 = CLOCK.now()
    ctx.broker.kill()
    time.sleep(d)
    ctx.broker.start()
    t1 = CLOCK.now()
    back = _wait(_status_after(ctx, t1))
    return FaultResult("broker", t0, ctx.show_at(t0), (t1 - t0).total_seconds(),
                       _secs(t1, back), "", [Blackout(t0, back or t1, "broker")])  # fmt: skip


def invalid(ctx: Context, ranges: Ranges) -> FaultResult:
    """The programme saved with a typo; fixed a few seconds later. The show must go on."""
    d = ctx.rng.uniform(*ranges.invalid)
    t0 = CLOCK.now()
    ctx.programme.write_text(invalid_text(ctx.valid_text), encoding="utf-8")
    seen = _wait(_line_after(ctx, {"programme_invalid"}, t0), 10)
    time.sleep(d)
    ctx.programme.write_text(ctx.valid_text, encoding="utf-8")
    t1 = CLOCK.now()
    back = _wait(_alive_after(ctx, t1)) if ctx.show.current.alive() else None
    note = "" if seen else "the typo was never reported (no programme_invalid line)"
    return FaultResult("invalid", t0, ctx.show_at(t0), (t1 - t0).total_seconds(),
                       _secs(t1, back), note or _exit_note(ctx, len(ctx.show.runs)))  # fmt: skip


def kill_invalid(ctx: Context, ranges: Ranges) -> FaultResult:
    """A typo saved, then the laptop crashes; the same command again; the typo fixed later.

    Survived only if the restarted run brings the show back while the file is still
    invalid (issue 20 item 1); otherwise the harness fixes the typo, runs the command once
    more if it had exited, and reports how long after the crash the show was back."""
    d = ctx.rng.uniform(*ranges.invalid)
    t0, before = CLOCK.now(), len(ctx.show.runs)
    ctx.programme.write_text(invalid_text(ctx.valid_text), encoding="utf-8")
    _wait(_line_after(ctx, {"programme_invalid"}, t0), 10)
    crash = CLOCK.now()
    ctx.show.kill()
    run = ctx.show.start()
    back = _wait(_status_after(ctx, crash), max(d, 8.0))
    if back is not None:
        time.sleep(d)
        ctx.programme.write_text(ctx.valid_text, encoding="utf-8")
        t1 = CLOCK.now()
        blackout = Blackout(crash, back, "kill_invalid")
        lasted = (t1 - t0).total_seconds()
        return FaultResult(
            "kill_invalid", t0, ctx.show_at(t0), lasted, _secs(crash, back), "", [blackout]
        )
    with contextlib.suppress(subprocess.TimeoutExpired):
        run.proc.wait(5)
    note = _exit_note(ctx, before + 1) or "the restarted run never published"
    ctx.programme.write_text(ctx.valid_text, encoding="utf-8")
    if not run.alive():  # the operator fixes the typo and runs the command once more
        ctx.show.start()
    later = _wait(_status_after(ctx, crash))
    t1 = CLOCK.now()
    took = "never" if later is None else f"{(later - crash).total_seconds():.1f} s after the crash"
    note += f"; back only once the typo was fixed ({took})"
    return FaultResult("kill_invalid", t0, ctx.show_at(t0), (t1 - t0).total_seconds(), None,
                       note, [Blackout(crash, later or t1, "kill_invalid")])  # fmt: skip


def edit(ctx: Context) -> FaultResult:
    """A valid edit (a later slot retitled) saved mid-run: accepted, logged as a revision."""
    t0 = CLOCK.now()
    change = edited_text(ctx.doc, ctx.show_at(t0))
    if change is None:
        return FaultResult("edit", t0, ctx.show_at(t0), 0.0, 0.0, "no slot left to edit")
    text, slot = change
    ctx.programme.write_text(text, encoding="utf-8")
    back = _wait(_line_after(ctx, {"programme_changed"}, t0), 15)
    logged = _wait(lambda: _revision_after(ctx, t0), 15) if back else None
    if back is not None:
        ctx.valid_text = text
        ctx.doc.clear()
        ctx.doc.update(_yaml(text))
    note = f"retitled {slot}" + ("" if logged else "; no revision record in the log")
    return FaultResult("edit", t0, ctx.show_at(t0), 0.0, _secs(t0, logged), note)


def _yaml(text: str) -> dict[str, object]:
    import yaml

    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _revision_after(ctx: Context, after: datetime) -> datetime | None:
    for path in sorted(ctx.show.logs.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                r = json.loads(line)
                if r.get("record") == "revision" and datetime.fromisoformat(r["real_at"]) > after:
                    return CLOCK.now()
    return None


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """The folder and its files read-only even for root (`chattr +i`: writes fail EPERM)."""
    paths = [folder, *folder.rglob("*")]
    try:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False, capture_output=True)


def readonly(ctx: Context, ranges: Ranges) -> FaultResult:
    """The log's folder made read-only for a moment; recovered when a log_error record says
    the held records were written. A window in which the show wrote nothing (it is held up
    to 10 s more for an event) had no effect: survived, and said so."""
    d = ctx.rng.uniform(*ranges.readonly)
    t0 = CLOCK.now()
    with immutable(ctx.show.logs):
        locked = CLOCK.now()
        time.sleep(d)
        written = _wait(_line_after(ctx, WRITTEN, locked), 10)
    t1 = CLOCK.now()
    lasted = (t1 - t0).total_seconds()
    if written is None:
        return FaultResult("readonly", t0, ctx.show_at(t0), lasted, 0.0,
                           "nothing was written while read-only: no effect")  # fmt: skip
    back = _wait(lambda: _log_error_after(ctx, t0), 15)
    note = "" if back else "an event came while read-only, and no log_error record after"
    alive = ctx.show.current.alive()
    return FaultResult("readonly", t0, ctx.show_at(t0), lasted,
                       _secs(t1, back) if alive else None, note)  # fmt: skip


def _log_error_after(ctx: Context, after: datetime) -> datetime | None:
    for path in sorted(ctx.show.logs.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, KeyError):
                r = json.loads(line)
                if r.get("record") == "log_error" and datetime.fromisoformat(r["real_at"]) > after:
                    return CLOCK.now()
    return None


def _exit_note(ctx: Context, runs_before: int = 0) -> str:
    """How the runs started during this fault ended, when not by the harness's SIGKILL."""
    notes = []
    for run in ctx.show.runs[max(0, runs_before - 1) : -1]:
        code = run.proc.poll()
        if code not in (None, -signal.SIGKILL):
            notes.append(f"pid {run.pid} exited {code}")
    last = ctx.show.current
    if not last.alive():
        errors = [ln for ln in last.stderr if "error" in ln] or last.stderr[-1:]
        tail = " | ".join(errors[:2]) or " | ".join(
            str(ln.data.get("message", ln.data)) for ln in last.lines[-2:]
        )
        notes.append(f"the restarted run exited {last.proc.poll()}: {tail[:300]}")
    return "; ".join(notes)


def longest(kind: str, ranges: Ranges) -> float:
    """About the longest a fault of this kind takes, recovery included (real seconds)."""
    spans = {"stop": ranges.stop[1] + 2, "obs": ranges.obs[1] + 6, "broker": ranges.broker[1] + 2,
             "invalid": ranges.invalid[1] + 3, "readonly": ranges.readonly[1] + 3,
             "kill": 5.0, "kill_invalid": ranges.invalid[1] + 12, "edit": 2.0}  # fmt: skip
    return float(spans.get(kind, 10.0))


def inject(kind: str, ctx: Context, ranges: Ranges) -> FaultResult:
    if kind == "kill":
        return kill(ctx)
    if kind == "stop":
        return stop(ctx, ranges)
    if kind == "obs":
        return obs_down(ctx, ranges)
    if kind == "broker":
        return broker_down(ctx, ranges)
    if kind == "invalid":
        return invalid(ctx, ranges)
    if kind == "edit":
        return edit(ctx)
    if kind == "readonly":
        return readonly(ctx, ranges)
    if kind == "kill_invalid":
        return kill_invalid(ctx, ranges)
    raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
