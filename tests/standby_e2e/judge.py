"""What a takeover did, judged from OBS's own events and the two as-run logs (pure).

Used by the multi-process tests beside it and by bench/bench_standby.py. The evidence
is what the witness saw on OBS (`witness.Seen`) and the records of the primary's log
and of the standby's (its copy, continued once it drove); the verdicts:

- `takeover`: the primary's last driving announcement on OBS, the new driver's first
  driving announcement, and the delay between. (Its first announcement is its first sign:
  a new driver's lease starts with OBS's echo of it, so nothing it switches comes
  earlier; a switch after the primary's last announcement may be the primary's own,
  made just before it died.)
- `boundaries`: each slot start's scene switched on program once — in its window, from
  just before its planned instant until the next one's (plus a second); *missed* when
  never switched (and OBS was not already on it), *twice* when switched more than once.
- `strays`: scene changes no boundary accounts for (a past slot's scene switched again).
- `outputs`: how often OBS reported the recording (or stream) starting and stopping.
- `continuity`: the standby's log numbers its records 0..N (the header 0) with no gap and no repeat,
  holds the primary's records byte for byte up to where it continues, and repeats no
  once-only action (`action_done` keys); the primary's records the copy never got (written
  to the dead primary's disk, not yet sent) are counted, not failed: nothing outside the
  primary knew of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .witness import Seen

Record = dict[str, Any]
BEFORE = timedelta(seconds=0.5)  # a switch may land a little before its planned instant
AFTER = timedelta(seconds=1.0)  # ... and its confirmation a little after the next one's


@dataclass(frozen=True)
class Takeover:
    last_old: Seen | None  # the primary's last driving announcement OBS relayed
    first_new: Seen | None  # the new driver's first driving announcement OBS relayed

    @property
    def delay(self) -> float | None:
        """Seconds from the primary's last announcement to the new driver's first sign."""
        if self.last_old is None or self.first_new is None:
            return None
        return self.first_new.mono - self.last_old.mono

    @property
    def epoch(self) -> int:
        return self.first_new.epoch if self.first_new is not None else 0


def takeover(seen: Sequence[Seen], old_run: str, after: int = 0) -> Takeover:
    """The first takeover from `old_run` in `seen` (from index `after`)."""
    new_index = None
    for i, s in enumerate(seen):
        if i < after or s.kind != "announce" or s.role != "driver" or s.run_id == old_run:
            continue
        new_index = i
        break
    last_old_index = None
    for i, s in enumerate(seen[: new_index if new_index is not None else len(seen)]):
        if s.kind == "announce" and s.run_id == old_run and s.role == "driver":
            last_old_index = i
    first = seen[new_index] if new_index is not None else None
    return Takeover(seen[last_old_index] if last_old_index is not None else None, first)


def epochs_driving(seen: Sequence[Seen], run_id: str, after: int = 0) -> list[int]:
    """The epochs `run_id` announced itself driving under, in order (from `after`)."""
    out: list[int] = []
    for s in seen[after:]:
        driving = s.kind == "announce" and s.run_id == run_id and s.role == "driver"
        if driving and (not out or out[-1] != s.epoch):
            out.append(s.epoch)
    return out


@dataclass(frozen=True)
class Boundary:
    slot: str
    scene: str
    at: datetime  # the planned instant (a live show: the real clock's)


@dataclass(frozen=True)
class BoundaryVerdict:
    boundary: Boundary
    switches: int  # scene changes to its scene in its window
    already: bool  # OBS was on its scene when it came (nothing to switch)

    @property
    def missed(self) -> bool:
        return self.switches == 0 and not self.already

    @property
    def twice(self) -> bool:
        return self.switches > 1


def program_at(seen: Sequence[Seen], instant: datetime, start_scene: str) -> str:
    """The program scene OBS had last reported before `instant`."""
    scene = start_scene
    for s in seen:
        if s.real >= instant:
            break
        if s.kind in ("scene", "connected") and s.scene:
            scene = s.scene
    return scene


def boundaries(
    seen: Sequence[Seen], planned: Sequence[Boundary], end: datetime, start_scene: str
) -> list[BoundaryVerdict]:
    """Each planned boundary up to `end` (the evidence's end) judged on OBS's scene events."""
    out = []
    for i, b in enumerate(planned):
        if b.at > end:
            break
        until = (planned[i + 1].at if i + 1 < len(planned) else end) + AFTER
        switches = sum(
            1
            for s in seen
            if s.kind == "scene" and s.scene == b.scene and b.at - BEFORE <= s.real < until
        )
        already = program_at(seen, b.at - BEFORE, start_scene) == b.scene
        out.append(BoundaryVerdict(b, switches, already))
    return out


def strays(seen: Sequence[Seen], planned: Sequence[Boundary], end: datetime) -> list[Seen]:
    """Scene changes no boundary accounts for: not to the scene live then (in its window), such
    as an old primary back from a freeze switching a slot that is past."""
    out = []
    for s in seen:
        if s.kind != "scene" or not planned or s.real < planned[0].at - BEFORE:
            continue
        accounted = False
        for i, b in enumerate(planned):
            until = (planned[i + 1].at if i + 1 < len(planned) else end) + AFTER
            if b.scene == s.scene and b.at - BEFORE <= s.real < until:
                accounted = True
        if not accounted:
            out.append(s)
    return out


def outputs(seen: Sequence[Seen], output: str = "record") -> Counter[str]:
    """How often OBS reported `output` in each state (OBS_WEBSOCKET_OUTPUT_STARTED, ...)."""
    return Counter(s.state for s in seen if s.kind == "output" and s.output == output)


@dataclass(frozen=True)
class Continuity:
    gaps: tuple[int, ...]  # seq numbers missing from the standby's log
    repeats: tuple[int, ...]  # seq numbers it holds twice
    forks: tuple[int, ...]  # seqs it holds differently from the primary, before it continued
    copied: int  # the primary's records it holds byte for byte (a prefix)
    unreplicated: int  # the primary's records after that prefix (never sent before the kill)
    continued: int  # records the standby wrote itself, after the copy
    actions_repeated: tuple[str, ...]  # once-only keys done twice (both logs together)

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.repeats or self.forks or self.actions_repeated)


def continuity(primary: Sequence[Record], standby: Sequence[Record]) -> Continuity:
    seqs = [int(r["seq"]) for r in standby if "seq" in r]
    counts = Counter(seqs)
    repeats = tuple(sorted(s for s, n in counts.items() if n > 1))
    top = max(seqs, default=0)
    gaps = tuple(s for s in range(top + 1) if s not in counts)  # the header is seq 0
    by_seq = {int(r["seq"]): r for r in standby if "seq" in r}
    copied = 0
    for r in primary:
        if by_seq.get(int(r["seq"])) != r:
            break
        copied += 1
    # a fork: a record of the primary's that the copy holds differently although it holds a
    # later one of the primary's byte for byte (the copy went astray, it did not just stop)
    tail = primary[copied:]
    held = [int(r["seq"]) for r in tail if by_seq.get(int(r["seq"])) == r]
    last_held = max(held, default=0)
    forks = tuple(
        int(r["seq"]) for r in tail if int(r["seq"]) < last_held and int(r["seq"]) not in held
    )
    unreplicated = len([r for r in tail if int(r["seq"]) > last_held])
    done = Counter(
        str(r.get("key"))
        for r in [*(r for r in tail if int(r["seq"]) not in held), *standby]
        if r.get("event") == "action_done"
    )
    again = tuple(sorted(k for k, n in done.items() if n > 1))
    continued = len([s for s in seqs if s > (int(primary[copied - 1]["seq"]) if copied else 0)])
    return Continuity(gaps, repeats, forks, copied, unreplicated, continued, again)


@dataclass(frozen=True)
class Outcome:
    """One show with a takeover in it, judged whole."""

    takeover: Takeover
    verdicts: tuple[BoundaryVerdict, ...]
    record: Counter[str]
    continuity: Continuity
    strays: tuple[Seen, ...] = ()

    @property
    def missed(self) -> list[str]:
        return [v.boundary.slot for v in self.verdicts if v.missed]

    @property
    def twice(self) -> list[str]:
        return [v.boundary.slot for v in self.verdicts if v.twice]

    @property
    def repeated(self) -> int:
        """Actions done twice: once-only keys in the logs, scene switches (twice, or a past
        slot's switched again: a stray), recordings started."""
        starts = max(0, self.record[STARTED] - 1)
        switches = len(self.twice) + len(self.strays)
        return len(self.continuity.actions_repeated) + switches + starts

    def problems(self) -> list[str]:
        """What went wrong, in words (empty: nothing)."""
        out = []
        if self.takeover.first_new is None:
            out.append("no takeover seen on OBS")
        if self.missed:
            out.append(f"boundaries missed: {self.missed}")
        if self.twice:
            out.append(f"boundaries switched twice: {self.twice}")
        if self.strays:
            out.append(f"stray switches: {[(s.scene, s.real.isoformat()) for s in self.strays]}")
        if self.record[STARTED] != 1 or self.record[STOPPED] > 1:
            out.append(
                f"the recording started {self.record[STARTED]}x, stopped {self.record[STOPPED]}x"
            )
        c = self.continuity
        for name in ("gaps", "repeats", "forks", "actions_repeated"):
            if getattr(c, name):
                out.append(f"the standby's log: {name} {getattr(c, name)}")
        return out


STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"


def outcome(
    seen: Sequence[Seen], planned: Sequence[Boundary], end: datetime, start_scene: str,
    primary_log: Sequence[Record], standby_log: Sequence[Record], old_run: str, after: int = 0,
) -> Outcome:  # fmt: skip
    return Outcome(
        takeover(seen, old_run, after),
        tuple(boundaries(seen, planned, end, start_scene)),
        outputs(seen),
        continuity(primary_log, standby_log),
        tuple(strays(seen, planned, end)),
    )
