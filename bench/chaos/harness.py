"""One chaos run end to end: the reference, the faulted run, the verdict, the figures.

`run_chaos(options)` starts a headless OBS and a mosquitto of its own, writes the
seeded programme, runs the unfaulted reference (the same programme and command at a
higher speed: the engine is deterministic in show time, so speed changes nothing the
judge compares), then the faulted run at the profile's speed with faults injected at
seeded instants, one after the other; then judges, checks the report, prints one line
per fault and a summary, and returns the exit code (0 only with nothing lost,
repeated or missed, and every fault survived).
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from tests.obs.headless import HeadlessObs, free_port
from tests.rooms.broker import Broker
from timekeeper.core.clock import SystemClock

from .faults import KINDS, Context, FaultResult, Ranges, inject, longest
from .judge import (
    Boundary,
    RunEvidence,
    ShowClock,
    Verdict,
    boundaries_from,
    gaps_from,
    judge,
)
from .observers import FollowerObserver, ObsObserver
from .programme import FIRST_SCENE, Extension, Generated, write_programme
from .stack import ROOM, ROOT, TOKEN, VENUE, Show, start_broker, start_obs

CLOCK = SystemClock()
LEAD_SECONDS = 6.0  # real seconds from the command to the first slot


@dataclass(frozen=True)
class Profile:
    name: str
    days: int
    faults: int
    speed: float
    ranges: Ranges
    reference_speed: float = 1200.0
    slots_per_day: int = 42


# The CI version: one day, 10+ faults, under 3 minutes; outages shortened to fit the day.
SHORT = Profile("short", 1, 12, 400, Ranges(stop=(2, 10), obs=(1, 6), broker=(1, 5),
                                             invalid=(1, 3), readonly=(1, 3)))  # fmt: skip
SOAK = Profile("soak", 3, 200, 30, Ranges())  # three days, the full ranges of issue 20
PROFILES = {p.name: p for p in (SHORT, SOAK)}


@dataclass
class Options:
    seed: int
    profile: Profile
    kinds: Sequence[str] = KINDS
    faults: int | None = None
    keep: Path | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)


@dataclass
class Outcome:
    verdict: Verdict
    reference_verdict: Verdict
    faults: list[FaultResult]
    seconds: float
    notes: list[str]  # what went wrong outside the judge's rules (each one fails the run)
    info: list[str] = field(default_factory=list)

    @property
    def code(self) -> int:
        survived = all(f.survived for f in self.faults)
        clean = not self.notes and self.reference_verdict.ok
        return 0 if self.verdict.ok and survived and clean else 1


def _log_series(folder: Path) -> list[Path]:
    """The run's logs in the order written: NAME.jsonl, NAME-2.jsonl, …"""

    def order(path: Path) -> tuple[str, int]:
        m = re.match(r"(.*?)(?:-(\d+))?$", path.stem)
        assert m is not None
        return m.group(1), int(m.group(2) or 1)

    return sorted(folder.glob("*.jsonl"), key=order)


def read_log(path: Path) -> list[dict[str, Any]]:
    out = []
    for text in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if text.endswith("\n"):
            with contextlib.suppress(ValueError):
                out.append(json.loads(text))
    return out


def _header(folder: Path, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = _log_series(folder)
        if logs:
            records = read_log(logs[0])
            if records:
                return records[0]
        time.sleep(0.02)
    raise RuntimeError(f"no as-run log appeared in {folder} within {timeout} s")


def _extend(port: int, minutes: int) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/actions/extend",
        data=json.dumps({"minutes": minutes}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                 "X-Timekeeper-Client": "chaos"},
        method="POST",
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            return bool(json.loads(answer.read()).get("ok"))
    except (OSError, ValueError):
        return False


class Extender:
    """The operator's extensions, each sent through the control API while its slot is live."""

    def __init__(self, show: Show, extensions: Sequence[Extension], clock: ShowClock) -> None:
        self.pending = sorted(extensions, key=lambda e: e.send_at)
        self.show, self.clock = show, clock
        self.failed: list[str] = []

    def due_before(self, real: datetime) -> bool:
        return bool(self.pending) and self.clock.real_at(self.pending[0].send_at) <= real

    def send_next(self) -> None:
        ext = self.pending.pop(0)
        wait = (self.clock.real_at(ext.send_at) - CLOCK.now()).total_seconds()
        if wait > 0:
            time.sleep(wait)
        last = self.clock.real_at(ext.slot_end) - timedelta(seconds=0.05)
        while CLOCK.now() < last:
            if _extend(self.show.port, ext.minutes):
                return
            time.sleep(0.05)
        self.failed.append(f"extension of {ext.slot} by {ext.minutes} min not accepted in time")

    def send_all(self, until: Callable[[], bool]) -> None:
        while self.pending and not until():
            self.send_next()


@dataclass
class Stage:
    obs: HeadlessObs
    broker: Broker
    generated: Generated
    scenes: dict[str, str]


def _observe(stage: Stage) -> tuple[ObsObserver, FollowerObserver]:
    """Both observers started and connected (OBS's scene read, the follower on the broker)."""
    obs_seen = ObsObserver(stage.obs.url, stage.obs.password)
    follower = FollowerObserver(stage.broker.url, VENUE, ROOM)
    obs_seen.start()
    follower.start()
    deadline = time.monotonic() + 20
    while not (obs_seen.seen and follower.connected) and time.monotonic() < deadline:
        time.sleep(0.02)
    return obs_seen, follower


def _processes(folder: Path) -> Path:
    """Where each process's stdout and stderr are kept (beside the logs, not among them)."""
    out = folder.with_name(f"{folder.name}-processes")
    out.mkdir(exist_ok=True)
    return out


def _pretend_start(stage: Stage, speed: float) -> datetime:
    """`--at`: early enough that timekeeper is up (OBS, broker) before the first slot."""
    return stage.generated.start - timedelta(seconds=speed * LEAD_SECONDS)


def _reset_obs(obs: HeadlessObs) -> None:
    if not obs.obs_running:
        obs.start_obs()
    with obs.session() as s:
        s.request("SetCurrentSceneTransition", {"transitionName": "Cut"})
        s.request("SetCurrentProgramScene", {"sceneName": FIRST_SCENE})
    time.sleep(0.2)


def _finish(show: Show, until: datetime) -> str:
    left = max(5.0, (until - CLOCK.now()).total_seconds()) + 15
    try:
        code = show.current.proc.wait(left)
        return "" if code == 0 else f"the last run exited {code}"
    except subprocess.TimeoutExpired:
        closed = "; ".join(show.close())
        return f"the last run had not exited {left:.0f} s after the show's planned end ({closed})"


def reference_run(stage: Stage, folder: Path, speed: float) -> tuple[RunEvidence, list[str]]:
    _reset_obs(stage.obs)
    at = _pretend_start(stage, speed)
    show = Show(stage.generated.path, folder, stage.obs, stage.broker, at=at, speed=speed,
                port=free_port())  # fmt: skip
    obs_seen, follower = _observe(stage)
    notes: list[str] = []
    try:
        show.start()
        clock = ShowClock.from_header(_header(folder))
        extender = Extender(show, stage.generated.extensions, clock)
        extender.send_all(lambda: not show.current.alive())
        notes += extender.failed
        end = clock.real_at(stage.generated.end)
        if note := _finish(show, end):
            notes.append(f"reference: {note}")
    finally:
        show.close()
        show.dump(_processes(folder))
        time.sleep(0.3)
        obs_seen.stop()
        follower.stop()
    logs = [read_log(p) for p in _log_series(folder)]
    return RunEvidence(logs, list(obs_seen.seen), list(follower.samples)), notes


def _schedule(rng: random.Random, kinds: Sequence[str], count: int, start: datetime,
              end: datetime) -> list[tuple[datetime, str]]:  # fmt: skip
    """`count` faults at seeded instants in [start, end], every kind before any repeats."""
    order: list[str] = []
    while len(order) < count:
        batch = list(kinds)
        rng.shuffle(batch)
        order += batch
    order = order[:count]
    span = (end - start) / count
    return [(start + span * i + span * rng.uniform(0, 0.5), kind) for i, kind in enumerate(order)]


def faulted_run(
    stage: Stage,
    folder: Path,
    options: Options,
    boundaries: Sequence[Boundary],
    gaps: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[RunEvidence, list[FaultResult], list[str], list[str]]:
    """The faulted run; (evidence, faults, failures outside the judge's rules, notes)."""
    profile = options.profile
    rng = random.Random(options.seed * 7919 + 1)
    _reset_obs(stage.obs)
    at = _pretend_start(stage, profile.speed)
    show = Show(stage.generated.path, folder, stage.obs, stage.broker, at=at,
                speed=profile.speed, port=free_port())  # fmt: skip
    obs_seen, follower = _observe(stage)
    results: list[FaultResult] = []
    notes: list[str] = []
    info: list[str] = []
    try:
        show.start()
        clock = ShowClock.from_header(_header(folder))

        def live_scene(real: datetime) -> str | None:
            now = clock.show_at(real)
            if any(a <= now < z for a, z in gaps):
                return None  # no slot live: any scene is right
            live = [b.scene for b in boundaries if b.at <= now]
            return live[-1] if live else FIRST_SCENE

        ctx = Context(
            show=show, obs=stage.obs, broker=stage.broker, obs_seen=obs_seen,
            follower=follower, programme=stage.generated.path,
            valid_text=stage.generated.path.read_text(encoding="utf-8"),
            doc=dict(stage.generated.doc), show_at=clock.show_at, live_scene=live_scene, rng=rng,
        )  # fmt: skip
        first = clock.real_at(stage.generated.start) + timedelta(seconds=1)
        last = clock.real_at(stage.generated.end) - timedelta(seconds=4)
        plan = _schedule(rng, options.kinds, options.faults or profile.faults, first, last)
        extender = Extender(show, stage.generated.extensions, clock)
        for n, (when, kind) in enumerate(plan, 1):
            if CLOCK.now() > last:
                info.append(f"the show ended before faults {n}–{len(plan)}: not injected")
                break
            horizon = max(when, CLOCK.now()) + timedelta(seconds=longest(kind, profile.ranges))
            while extender.due_before(horizon):
                extender.send_next()
            wait = (when - CLOCK.now()).total_seconds()
            if wait > 0:
                time.sleep(wait)
            if not show.current.alive():
                code = show.current.proc.poll()
                notes.append(f"timekeeper had exited ({code}) before fault {n}: started again")
                show.start()
                time.sleep(1)
            result = inject(kind, ctx, profile.ranges)
            results.append(result)
            _print_fault(options.out, n, len(plan), result)
        extender.send_all(lambda: not show.current.alive())
        notes += extender.failed
        if note := _finish(show, clock.real_at(stage.generated.end)):
            notes.append(note)
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False, capture_output=True)
        if not stage.obs.obs_running:
            stage.obs.start_obs()
        if not stage.broker.running():
            stage.broker.start()
        show.close()
        show.dump(_processes(folder))
        time.sleep(0.3)
        obs_seen.stop()
        follower.stop()
    blackouts = [b for r in results for b in r.blackouts]
    logs = [read_log(p) for p in _log_series(folder)]
    evidence = RunEvidence(logs, list(obs_seen.seen), list(follower.samples), blackouts)
    return evidence, results, notes, info


def _print_fault(out: TextIO, n: int, total: int, r: FaultResult) -> None:
    recovered = f"recovered in {r.recovered_in:6.2f} s" if r.survived else "NOT RECOVERED       "
    detail = f"  ({r.detail})" if r.detail else ""
    out.write(
        f"fault {n:3d}/{total} {r.kind:<12} at show {r.show:%d %H:%M:%S} "
        f"lasted {r.lasted:5.1f} s  {recovered}{detail}\n"
    )
    out.flush()


def check_reports(folder: Path) -> list[str]:
    """Each log's report builds (exit 0) and gives each slot the log's actual start and end."""
    problems = []
    for path in _log_series(folder):
        done = subprocess.run(
            [sys.executable, "-m", "timekeeper.cli", "report", str(path), "--format", "json"],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            problems.append(f"report of {path.name} exited {done.returncode}: {done.stderr[-300:]}")
            continue
        report = json.loads(done.stdout)
        starts: dict[str, str] = {}
        ends: dict[str, str] = {}
        for r in read_log(path):
            if r.get("event") == "slot_started":
                starts.setdefault(str(r["slot"]), str(r["at"]))
            elif r.get("event") == "slot_ended":
                ends[str(r["slot"])] = str(r["at"])
        for slot in report["slots"]:
            for name, logged in (("actual_start", starts), ("actual_end", ends)):
                got, want = slot.get(name), logged.get(slot["id"])
                if (got is None) != (want is None) or (
                    got and want and datetime.fromisoformat(got) != datetime.fromisoformat(want)
                ):
                    problems.append(f"report of {path.name}: {slot['id']} {name} {got}, log {want}")
    return problems


def dump_evidence(path: Path, evidence: RunEvidence) -> None:
    """What OBS and the follower showed, and the blackouts, as JSON (for a reproduction)."""
    data = {
        "obs": [asdict(s) for s in evidence.obs],
        "follower": [asdict(s) for s in evidence.follower],
        "blackouts": [asdict(b) for b in evidence.blackouts],
    }
    path.write_text(json.dumps(data, default=str), encoding="utf-8")


def run_chaos(options: Options) -> Outcome:
    profile = options.profile
    out = options.out
    t0 = time.monotonic()
    keep = options.keep
    with contextlib.ExitStack() as stack:
        if keep is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tk-chaos-")))
        else:
            root = keep
            root.mkdir(parents=True, exist_ok=True)
        obs = start_obs(root)
        stack.callback(obs.stop)
        broker = start_broker(root)
        stack.callback(broker.stop)
        (root / "show").mkdir(exist_ok=True)
        generated = write_programme(
            root / "show" / "programme.yaml", obs.url, seed=options.seed,
            days=profile.days, slots_per_day=profile.slots_per_day,
        )  # fmt: skip
        scenes = {str(s["id"]): str(s["scene"]) for s in generated.doc["slots"]}
        stage = Stage(obs, broker, generated, scenes)
        out.write(
            f"chaos seed {options.seed}, {profile.name}: {generated.slots} slots, "
            f"{generated.seconds / 3600:.1f} h of show; reference at ×{profile.reference_speed:g}, "
            f"faulted run at ×{profile.speed:g}; faults: {', '.join(options.kinds)}\n"
        )
        out.flush()
        reference_dir = root / "show" / "reference"
        reference_dir.mkdir(exist_ok=True)
        reference, notes = reference_run(stage, reference_dir, profile.reference_speed)
        # the faulted run's logs: runs/ beside the programme, where an operator's would be
        faulted_dir = root / "show" / "runs"
        faulted_dir.mkdir(exist_ok=True)
        boundaries = boundaries_from(reference.records, scenes)
        ref_verdict = judge(reference, reference, scenes=scenes,
                            skip_segments=_extended(generated))  # fmt: skip
        ref_verdict.problems = [f"reference: {p}" for p in ref_verdict.problems]
        ref_verdict.noted.clear()
        faulted, results, more, info = faulted_run(
            stage, faulted_dir, options, boundaries, gaps_from(reference.records)
        )
        notes += more
        dump_evidence(root / "show" / "reference-evidence.json", reference)
        dump_evidence(root / "show" / "runs-evidence.json", faulted)
        verdict = judge(reference, faulted, skip_segments=_extended(generated),
                        scenes=scenes)  # fmt: skip
        verdict.report_errors += len(problems := check_reports(faulted_dir))
        verdict.problems += problems
        for start, end, scene in verdict.missed_windows:
            verdict.problems += [f"    {line}" for line in _said_about_obs(
                _processes(faulted_dir), start - timedelta(seconds=5), end, scene)]  # fmt: skip
    outcome = Outcome(verdict, ref_verdict, results, time.monotonic() - t0, notes, info)
    print_summary(out, outcome)
    return outcome


def _said_about_obs(folder: Path, start: datetime, end: datetime, scene: str) -> list[str]:
    """What the runs printed about OBS between two real instants (explaining a miss)."""
    lines = []
    for path in sorted(folder.glob("run-*.stdout.jsonl")):
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(raw)
                real = datetime.fromisoformat(str(event["real"]))
            except (ValueError, KeyError, TypeError):
                continue
            name = str(event.get("event", ""))
            if start <= real <= end and (name.startswith(("obs_", "scene_")) or scene in raw):
                said = str(event.get("message", ""))[:160]
                lines.append(f"{path.stem} at real {real:%H:%M:%S.%f}: {name}: {said}")
    return lines


def _extended(generated: Generated) -> list[str]:
    return [e.slot for e in generated.extensions]


def print_summary(out: TextIO, o: Outcome) -> None:
    v = o.verdict
    survived = sum(f.survived for f in o.faults)
    by_kind: dict[str, list[FaultResult]] = {}
    for f in o.faults:
        by_kind.setdefault(f.kind, []).append(f)
    out.write("\n")
    for kind, fs in by_kind.items():
        times = sorted(f.recovered_in for f in fs if f.recovered_in is not None)
        median = f"median recovery {times[len(times) // 2]:.2f} s" if times else "no recovery"
        out.write(f"  {kind:<12} {sum(f.survived for f in fs)}/{len(fs)} survived, {median}\n")
    for line in o.info:
        out.write(f"  - {line}\n")
    lines = o.reference_verdict.problems + o.reference_verdict.more() + o.notes
    for line in lines + v.problems + v.more():
        out.write(f"  ! {line}\n")
    out.write(
        f"summary: faults injected {len(o.faults)}, survived {survived}, "
        f"records lost {v.lost}, actions repeated {v.actions_repeated}, "
        f"records repeated {v.records_repeated}, seq reused {v.seq_reused}, "
        f"new logs {v.new_logs}, boundaries missed {v.boundaries_missed} "
        f"(of {v.boundaries}; {v.boundaries_superseded} superseded in outages), "
        f"boundaries twice {v.boundaries_twice}, stray switches {v.stray_switches}, "
        f"follower wrong {v.follower_wrong} of {v.follower_samples} samples "
        f"(max error {v.follower_max_error:.2f} s), report errors {v.report_errors}; "
        f"{o.seconds:.0f} s -> {'PASS' if o.code == 0 else 'FAIL'}\n"
    )
    out.flush()
