"""The judge: a faulted run against the unfaulted reference of the same seed (pure, no I/O).

Evidence only from outside timekeeper's claims: the as-run log records as written to
disk, what OBS itself reported (`ObsSeen`), and what the room's follower showed
(`FollowerSample`). Everything is compared in *show time* (the rehearsal's pretend
clock): the engine is deterministic, so an unfaulted run and a faulted one of the same
programme produce the same events at the same show instants.

The rules, as docs/chaos.md states them:

- Records. The show's events (slots, turns, phases, the show's start and end, the
  extension) are compared with the reference as a multiset of (event, slot, turn,
  instant): one the reference has and the faulted logs lack is *lost*, one they have
  more often is *repeated*; they must come in the reference's order. `seq` must rise
  strictly through every log the run wrote, across restarts (a reused number is
  counted); a run that wrote more than one log did not resume (counted as `new logs`).
- Output intents. Each once-only action key (`slot:on_start:start_streaming` …) is
  applied as often as in the reference (once): `action_done`, or in a rehearsal
  `action_skipped`; more is *repeated*, fewer *missing*. OBS must report no output
  state change at all (a rehearsal never starts an output).
- Boundaries. Each slot start in the reference log is a boundary (its show instant,
  the slot's scene; no two consecutive slots share a scene). A boundary is *confirmed*
  by a `CurrentProgramSceneChanged` to its scene between its instant and the next
  boundary's (plus `grace` real seconds for OBS's confirmation). A boundary is
  *superseded* — not required — when its whole live interval lies inside blackouts
  (each begun 100 ms early: a switch asked for in the last frames before OBS died never
  reaches program)
  (windows in which timekeeper or OBS could not act: SIGKILL until the restarted run
  publishes again, SIGSTOP until the run publishes after SIGCONT, OBS killed until
  its Hello), each stretched by `grace`: when several boundaries fall inside one
  outage, only the one live when the outage ends must be switched (once OBS or
  timekeeper is back); the earlier ones are superseded. A required boundary never
  confirmed is *missed* (OBS reporting the scene when the observer reconnects to it
  confirms it too: timekeeper may switch a returning OBS before the observer is back;
  so does OBS still showing it at the end of its interval when the boundary before
  was superseded and never switched: OBS never left the scene, nothing to switch);
  a second change to the same scene inside its window, with OBS
  not having left that scene in between (no other scene, no reconnection showing
  another scene), is *twice*; a change that fits no boundary is *stray*.
- Follower. Samples taken while the follower is connected, the room online and a
  status received since the follower (re)connected, outside blackouts and `grace`
  real seconds of a segment change, must show the live segment and a remaining time
  within `tolerance` (1 s) of the truth: the reference's deadline for that segment
  minus the true show time (the first run's pretend clock, run on). Above ×100 the
  bound is the show seconds 10 ms of real time make (a status's `show_time` and
  `sent_at` are two clock reads with the snapshot built between them; under load at
  ×400, 7 ms between them made 2.8 show seconds). The segment the operator extends is not
  compared (the request's instant differs by run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .observers import FollowerSample, ObsSeen

SHOW_EVENTS = frozenset(
    {"show_started", "slot_started", "slot_ended", "slot_skipped", "turn_started",
     "turn_ended", "turns_done", "show_ended", "phase", "extended", "shortened"}
)  # fmt: skip
NOTES_PER_KIND = 6
CLOCK_READS = 0.010  # real seconds: a status's show_time and sent_at are two clock reads
OPERATOR_TIMED = frozenset({"extended", "shortened"})
APPLIED = frozenset({"action_done", "action_skipped"})
Record = Mapping[str, Any]


@dataclass(frozen=True)
class ShowClock:
    """The first run's pretend clock: show = started + speed × (real − real_started)."""

    started: datetime
    real_started: datetime
    speed: float

    def show_at(self, real: datetime) -> datetime:
        return self.started + (real - self.real_started) * self.speed

    def real_at(self, show: datetime) -> datetime:
        return self.real_started + (show - self.started) / self.speed

    @classmethod
    def from_header(cls, header: Record) -> ShowClock:
        return cls(
            datetime.fromisoformat(str(header["started_at"])),
            datetime.fromisoformat(str(header["real_started_at"])),
            float(header.get("speed", 1.0)),
        )


@dataclass(frozen=True)
class Blackout:
    """Real instants between which timekeeper or OBS could not act."""

    start: datetime
    end: datetime
    why: str


@dataclass(frozen=True)
class RunEvidence:
    """One run as seen from outside: its logs (in the order written), OBS, the follower."""

    logs: Sequence[Sequence[Record]]
    obs: Sequence[ObsSeen]
    follower: Sequence[FollowerSample]
    blackouts: Sequence[Blackout] = ()

    @property
    def records(self) -> list[Record]:
        return [r for log in self.logs for r in log]

    @property
    def clock(self) -> ShowClock:
        return ShowClock.from_header(self.logs[0][0])


@dataclass(frozen=True)
class Boundary:
    at: datetime  # show instant
    scene: str


@dataclass
class Verdict:
    records_lost: int = 0
    records_repeated: int = 0
    out_of_order: int = 0
    seq_reused: int = 0
    new_logs: int = 0
    actions_repeated: int = 0
    actions_missing: int = 0
    outputs_changed: int = 0
    boundaries: int = 0
    boundaries_superseded: int = 0
    boundaries_missed: int = 0
    boundaries_twice: int = 0
    stray_switches: int = 0
    follower_samples: int = 0
    follower_wrong: int = 0
    follower_max_error: float = 0.0
    report_errors: int = 0
    problems: list[str] = field(default_factory=list)
    noted: Counter[str] = field(default_factory=Counter)
    #: each missed (or twice confirmed) boundary's window in real time (start, end, scene):
    #: to explain it
    missed_windows: list[tuple[datetime, datetime, str]] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.records_lost + self.actions_missing

    @property
    def repeated(self) -> int:
        return self.records_repeated + self.actions_repeated + self.boundaries_twice

    @property
    def ok(self) -> bool:
        return not any(
            (self.records_lost, self.records_repeated, self.out_of_order, self.seq_reused,
             self.new_logs, self.actions_repeated, self.actions_missing, self.outputs_changed,
             self.boundaries_missed, self.boundaries_twice, self.stray_switches,
             self.follower_wrong, self.report_errors)
        )  # fmt: skip

    def note(self, text: str) -> None:
        """Keep the first few problems of each kind (its first two words) and count the rest."""
        kind = " ".join(text.split(":")[0].split()[:2])
        self.noted[kind] += 1
        if self.noted[kind] <= NOTES_PER_KIND:
            self.problems.append(text)

    def more(self) -> list[str]:
        return [
            f"... and {n - NOTES_PER_KIND} more '{kind}'"
            for kind, n in self.noted.items()
            if n > NOTES_PER_KIND
        ]


# ------------------------------------------------------------------ records


def event_key(record: Record) -> tuple[str, str, str, str]:
    """What makes a show event the same in two runs (the operator's own instant aside: an
    extension is taken when its request arrives, which differs from run to run)."""
    at = (
        ""
        if record["event"] in OPERATOR_TIMED
        else datetime.fromisoformat(str(record["at"])).isoformat()
    )
    return (str(record["event"]), str(record.get("slot")), str(record.get("turn")), at)


def show_events(records: Iterable[Record]) -> list[tuple[str, str, str, str]]:
    return [
        event_key(r)
        for r in records
        if r.get("record") == "event" and r.get("event") in SHOW_EVENTS
    ]


def judge_records(reference: Sequence[Record], faulted_logs: Sequence[Sequence[Record]],
                  verdict: Verdict) -> None:  # fmt: skip
    want, got = show_events(reference), show_events(r for log in faulted_logs for r in log)
    want_n, got_n = Counter(want), Counter(got)
    for key, n in sorted((want_n - got_n).items()):
        verdict.records_lost += n
        verdict.note(f"record lost: {key}" + (f" ×{n}" if n > 1 else ""))
    for key, n in sorted((got_n - want_n).items()):
        verdict.records_repeated += n
        why = "repeated" if key in want_n else "not in the reference"
        verdict.note(f"record {why}: {key}" + (f" ×{n}" if n > 1 else ""))
    firsts = list(dict.fromkeys(k for k in got if k in want_n))  # each first occurrence
    order = [k for k in want if k in set(firsts)]
    if firsts != order:
        wrong = next(i for i, (a, b) in enumerate(zip(firsts, order, strict=True)) if a != b)
        verdict.out_of_order += 1
        verdict.note(f"out of order from {firsts[wrong]} (the reference has {order[wrong]})")
    judge_seq(faulted_logs, verdict)


def judge_seq(logs: Sequence[Sequence[Record]], verdict: Verdict) -> None:
    """`seq` strictly rising through every log of the run, across restarts."""
    verdict.new_logs += max(0, len(logs) - 1)
    if len(logs) > 1:
        verdict.note(f"the run wrote {len(logs)} logs: a restart began a new run")
    last = -1
    used: Counter[int] = Counter()
    for log in logs:
        for r in log:
            seq = int(r["seq"])
            used[seq] += 1
            if seq <= last and used[seq] == 1:
                verdict.note(f"seq went back from {last} to {seq}")
            last = max(last, seq)
    reused = sum(n - 1 for n in used.values() if n > 1)
    if reused:
        verdict.seq_reused += reused
        verdict.note(f"{reused} sequence number(s) used more than once")


def applied_actions(records: Iterable[Record]) -> Counter[str]:
    return Counter(
        str(r["key"]) for r in records if r.get("event") in APPLIED and r.get("key") is not None
    )


def judge_actions(reference: Sequence[Record], faulted: Sequence[Record],
                  obs: Sequence[ObsSeen], verdict: Verdict) -> None:  # fmt: skip
    want, got = applied_actions(reference), applied_actions(faulted)
    for key, n in sorted((got - want).items()):
        verdict.actions_repeated += n
        verdict.note(f"output action applied again: {key} ×{n + want[key]}")
    for key, n in sorted((want - got).items()):
        verdict.actions_missing += n
        verdict.note(f"output action never applied: {key}")
    for seen in obs:
        if seen.kind == "output" and seen.state not in ("OBS_WEBSOCKET_OUTPUT_STOPPED",):
            verdict.outputs_changed += 1
            verdict.note(f"OBS output {seen.output} went {seen.state} in a rehearsal")


# ------------------------------------------------------------------ scenes


def boundaries_from(reference: Sequence[Record], scenes: Mapping[str, str]) -> list[Boundary]:
    """Each slot start of the reference log (its exact show instant) with the slot's scene."""
    return [
        Boundary(datetime.fromisoformat(str(r["at"])), scenes[str(r["slot"])])
        for r in reference
        if r.get("record") == "event" and r.get("event") == "slot_started"
    ]


def gaps_from(reference: Sequence[Record]) -> list[tuple[datetime, datetime]]:
    """The show instants with no slot live (a slot ended, the next starts later: a night
    between two days): the programme names no scene for them, so any scene OBS shows is
    right, and a restarted OBS left on its own first scene is not switched. After the show
    ended, too (an OBS back after the end has nothing to be switched to)."""
    gaps: list[tuple[datetime, datetime]] = []
    ended: datetime | None = None
    for r in reference:
        if r.get("record") != "event" or "at" not in r:
            continue
        at = datetime.fromisoformat(str(r["at"]))
        if r.get("event") == "slot_ended":
            ended = at
        elif r.get("event") == "slot_started":
            if ended is not None and at > ended:
                gaps.append((ended, at))
            ended = None
        elif r.get("event") == "show_ended":
            gaps.append((at, at + timedelta(days=365)))
    return gaps


#: How long before an outage a switch may have been asked for and still never reached OBS's
#: program: OBS renders a switch on its next frame (33 ms at 30 fps), so a boundary 14 ms
#: before OBS was killed can never show (seen: seed 2, the Q&A). Three frames.
LEAD = timedelta(milliseconds=100)


def _within(blackouts: Sequence[Blackout], start: datetime, end: datetime,
            grace: timedelta) -> bool:  # fmt: skip
    """Whether [start, end] is covered by the union of blackouts, each stretched by grace
    (and begun `LEAD` early: a switch asked for just before an outage may never show)."""
    spans = sorted((b.start - LEAD, b.end + grace) for b in blackouts)
    at = start
    for a, z in spans:
        if a > at:
            break
        at = max(at, z)
        if at >= end:
            return True
    return at >= end


def _program_at(obs: Sequence[ObsSeen], real: datetime) -> str | None:
    """OBS's program scene at `real` by its own reports (None: OBS away or not yet seen)."""
    scene: str | None = None
    for seen in obs:
        if seen.real > real:
            break
        if seen.kind in ("scene", "connected"):
            scene = seen.scene
        elif seen.kind == "lost":
            scene = None
    return scene


def judge_scenes(boundaries: Sequence[Boundary], faulted: RunEvidence, verdict: Verdict,
                 grace: float = 1.0, show_end: datetime | None = None) -> None:  # fmt: skip
    """Each boundary confirmed once by OBS, unless superseded inside an outage (see above)."""
    clock, slack = faulted.clock, timedelta(seconds=grace)
    verdict.boundaries += len(boundaries)
    windows = []  # (real start, real end of the window, boundary index)
    for i, b in enumerate(boundaries):
        start = clock.real_at(b.at)
        nxt = boundaries[i + 1].at if i + 1 < len(boundaries) else None
        if nxt is None:  # the last slot lasts until the show ends (when the reference knows)
            nxt = show_end
        end = clock.real_at(nxt) if nxt is not None else start + timedelta(days=1)
        windows.append((start - slack / 10, end + slack, i, end))
    confirmed: set[int] = set()
    left: dict[int, bool] = {}  # a confirmed boundary's scene since left (OBS showed another)
    for seen in faulted.obs:
        if seen.kind == "lost":  # OBS killed: a restarted one shows its own first scene, and
            for i in left:  # putting the live scene back on it is a re-sync, not a repeat
                left[i] = True
            continue
        if seen.kind not in ("scene", "connected"):
            continue
        for i in left:
            if boundaries[i].scene != seen.scene:
                left[i] = True
        fits = [
            i for a, z, i, _ in windows if a <= seen.real <= z and boundaries[i].scene == seen.scene
        ]
        fresh = [i for i in fits if i not in confirmed]
        if seen.kind == "connected":  # OBS back, already on the scene: confirmed, never twice
            if fresh:
                confirmed.add(fresh[0])
                # the switch OBS answered with may still have its change event on the way
                # (OBS sends it on the next frame): that one event is not a repeat
                left[fresh[0]] = True
            continue
        if fresh:
            confirmed.add(fresh[0])
            left[fresh[0]] = False
        elif fits and left[fits[-1]]:
            left[fits[-1]] = False  # a re-sync after OBS lost the scene: not a repeat
        elif fits:
            verdict.boundaries_twice += 1
            at = boundaries[fits[-1]].at
            verdict.note(f"scene {seen.scene} confirmed twice for the boundary at {at:%H:%M:%S}")
            a, z, _, _ = windows[fits[-1]]
            verdict.missed_windows.append((a, z, seen.scene))
            for line in obs_seen_around(faulted.obs, clock, a - slack * 5, z + slack):
                verdict.problems.append(f"    {line}")
        else:
            verdict.stray_switches += 1
            verdict.note(
                f"stray switch to {seen.scene} at show {clock.show_at(seen.real):%H:%M:%S}"
            )
    for a, _, i, end in windows:
        if i in confirmed:
            continue
        start = a + slack / 10
        if _within(faulted.blackouts, start, end, slack):
            verdict.boundaries_superseded += 1
            continue
        if _program_at(faulted.obs, min(end, start + timedelta(days=1)) - slack / 10) == (
            boundaries[i].scene
        ):
            continue  # already on program: the boundary before it was superseded, never switched
        verdict.boundaries_missed += 1
        verdict.note(f"boundary missed: {boundaries[i].scene} at show {boundaries[i].at:%H:%M:%S}")
        verdict.missed_windows.append((start, end, boundaries[i].scene))
        for line in obs_seen_around(faulted.obs, clock, start - slack * 5, end + slack):
            verdict.problems.append(f"    {line}")


def obs_seen_around(obs: Sequence[ObsSeen], clock: ShowClock, start: datetime,
                    end: datetime) -> list[str]:  # fmt: skip
    """What OBS reported between two real instants, and last before them (explaining a
    missed boundary)."""
    before = [s for s in obs if s.real < start][-1:]
    return [
        f"OBS said {s.kind} {s.scene or s.output or s.state} at show "
        f"{clock.show_at(s.real):%H:%M:%S} (real {s.real:%H:%M:%S.%f})"
        for s in [*before, *(s for s in obs if start <= s.real <= end)]
    ]


# ------------------------------------------------------------------ follower


def segment_timeline(reference: Sequence[Record]) -> list[tuple[datetime, str]]:
    """(show instant, segment) from the reference log: a slot, or `slot/turn` while a turn runs."""
    out: list[tuple[datetime, str]] = []
    for r in reference:
        kind = r.get("event")
        if r.get("record") != "event" or "at" not in r:
            continue
        at = datetime.fromisoformat(str(r["at"]))
        if kind == "slot_started" or kind == "turns_done":
            out.append((at, str(r["slot"])))
        elif kind == "turn_started":
            out.append((at, f"{r['slot']}/{r['turn']}"))
        elif (
            kind == "slot_ended"
        ):  # between slots until the next starts (the same instant or later)
            out.append((at, "between"))
        elif kind == "show_ended":
            out.append((at, "ended"))
    return out


def reference_deadlines(samples: Sequence[FollowerSample]) -> dict[str, datetime]:
    """Each segment's deadline as the reference's follower received it (the most common)."""
    seen: dict[str, Counter[datetime]] = {}
    for s in samples:
        if s.fresh and s.deadline is not None:
            seen.setdefault(s.segment, Counter())[s.deadline] += 1
    return {seg: c.most_common(1)[0][0] for seg, c in seen.items()}


def judge_follower(reference: RunEvidence, faulted: RunEvidence, verdict: Verdict, *,
                   skip: Iterable[str] = (), grace: float = 0.5,
                   tolerance: float = 1.0) -> None:  # fmt: skip
    timeline = segment_timeline(reference.records)
    deadlines = reference_deadlines(reference.follower)
    clock, slack = faulted.clock, timedelta(seconds=grace)
    changes = [clock.real_at(at) for at, _ in timeline]
    skipped = set(skip)
    j = 0
    for s in faulted.follower:
        if not s.fresh or s.shown_now is None:
            continue
        if any(b.start - slack <= s.real <= b.end + slack for b in faulted.blackouts):
            continue
        while j + 1 < len(changes) and changes[j + 1] <= s.real:
            j += 1
        near = [
            c for c in changes[max(0, j - 1) : j + 2] if abs((s.real - c).total_seconds()) <= grace
        ]
        if near or not changes or s.real < changes[0]:
            continue
        truth = timeline[j][1]
        if truth.split("/")[0] in skipped or s.segment.split("/")[0] in skipped:
            continue
        verdict.follower_samples += 1
        true_now = clock.show_at(s.real)
        if s.segment != truth:
            verdict.follower_wrong += 1
            verdict.note(f"follower showed {s.segment} at show {true_now:%H:%M:%S}, live: {truth}")
            continue
        if s.deadline is None or truth not in deadlines:
            continue
        shown = (s.deadline - s.shown_now).total_seconds()
        real = (deadlines[truth] - true_now).total_seconds()
        error = abs(shown - real)
        verdict.follower_max_error = max(verdict.follower_max_error, error)
        if error > max(tolerance, clock.speed * CLOCK_READS):
            verdict.follower_wrong += 1
            verdict.note(
                f"follower {error:.1f} s wrong at show {true_now:%H:%M:%S} ({truth}: showed "
                f"{shown:.1f} s left, truth {real:.1f} s)"
            )


# ------------------------------------------------------------------ the lot


def judge(reference: RunEvidence, faulted: RunEvidence, *, scenes: Mapping[str, str],
          skip_segments: Iterable[str] = (), grace: float = 1.0,
          follower_grace: float = 0.5) -> Verdict:  # fmt: skip
    """Everything above; `scenes` maps each slot id to its scene."""
    verdict = Verdict()
    judge_records(reference.records, faulted.logs, verdict)
    judge_actions(reference.records, faulted.records, faulted.obs, verdict)
    ended = [
        datetime.fromisoformat(str(r["at"]))
        for r in reference.records
        if r.get("record") == "event" and r.get("event") == "show_ended"
    ]
    judge_scenes(
        boundaries_from(reference.records, scenes),
        faulted,
        verdict,
        grace,
        show_end=ended[-1] if ended else None,
    )
    judge_follower(reference, faulted, verdict, skip=skip_segments, grace=follower_grace)
    return verdict
