"""The standby pair's steps on files and state: where the copy lives, the show it holds, what a
takeover asks of OBS, and setting a fenced driver's own log aside.

Owns the parts of `app.pair` that are no service: `copy_path` (the copy is written where
this machine's own log of the show would be, so `timekeeper run programme.yaml` resumes it
by hand too), `followed` (the copy replayed into a show state, by the crash-recovery path:
`asrun.resume`, read only), `CopyWatch` and `wanted` (the copy's new records that change
the show as the standby shows it), `takeover_inputs` (the due scene, the output intents
and the done keys that `obs.takeover.Fencing.take_over` reconciles with OBS) and
`reconcile` (that, carried out, as the show stands once OBS has been read), when a
handover is refused (`handover_refusal`), `set_aside`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from timekeeper.asrun import AsRunError, ResumeResult, read_log, resume
from timekeeper.asrun.header import default_log_path
from timekeeper.asrun.recover import done_keys_in
from timekeeper.core.clock import Clock
from timekeeper.core.engine import ShowState
from timekeeper.core.outputs import Intent, Output, intent_at
from timekeeper.core.programme import Programme
from timekeeper.obs.takeover import Fencing
from timekeeper.obs.takeover_rules import DueScene
from timekeeper.rooms.replica_wire import Presence
from timekeeper.show.session import ShowSession

# the records after which the standby replays its copy again (the rest its own clock does)
CHANGES = frozenset({"operator", "message", "back", "show_ended"})


def copy_path(
    programme: Programme,
    mode: str,
    rehearsal: bool,
    log: Path | None,
    venue: str | None,
    room: str | None,
) -> Path:
    """Where this machine's own log of the show would be: `--log FILE`, `--log DIR`'s
    default name, else runs/ beside the programme."""
    default = default_log_path(programme, mode, rehearsal, venue, room)
    if log is None:
        return default
    log = log.expanduser()
    return log / default.name if log.is_dir() else log


def followed(path: Path, programme: Programme, clock: Clock, real: Clock) -> ResumeResult | None:
    """The show the copy holds, carried on to now (None: nothing to show yet, or unreadable)."""
    try:
        contents = read_log(path)
        if contents.header is None:
            return None
        return resume(path, programme, clock, real_clock=real, contents=contents)
    except (AsRunError, OSError, ValueError):
        return None


def wanted(lines: bytes) -> bool:
    """Whether these new lines of the copy change the show beyond what the clock does: an
    operator's move, a message, a revision, a header (the copy begun anew)."""
    for raw in lines.split(b"\n"):
        try:
            rec = json.loads(raw) if raw.strip() else None
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get("record") in ("run", "revision") or rec.get("event") in CHANGES:
            return True
    return False


class CopyWatch:
    """The copy's lines read so far: `changed(now)` says whether the lines added since
    change the show (`wanted`), at most once every `every` seconds."""

    def __init__(self, path: Path, every: float) -> None:
        self.path, self.every = path, every
        self.read, self.last = 0, -every

    def changed(self, now: float) -> bool:
        if now - self.last < self.every:
            return False
        try:
            size = self.path.stat().st_size
            if size <= self.read:
                return False
            with self.path.open("rb") as fh:
                fh.seek(self.read)
                fresh = fh.read(size - self.read)
        except OSError:
            return False
        cut = fresh.rfind(b"\n") + 1
        if cut == 0:
            return False
        first, self.read, self.last = self.read == 0, self.read + cut, now
        return first or wanted(fresh[:cut])


def takeover_inputs(
    state: ShowState, records: Iterable[Mapping[str, Any]], done: Iterable[str]
) -> tuple[DueScene | None, dict[Output, Intent], frozenset[str]]:
    """What the new driver reconciles OBS with: the live slot's scene and its boundary's
    switch key (as `core.cues` names it), the output intents of the live position, and
    the keys the log shows settled (actions done, switches confirmed)."""
    programme = state.programme
    confirmed = {
        str(r["key"])
        for r in records
        if r.get("event") == "scene_switch_confirmed" and isinstance(r.get("key"), str)
    }
    due = None
    if state.live is not None:
        slot, record = programme.slots[state.live], state.records[state.live]
        if slot.scene and record.actual_start is not None:
            key = f"{slot.id}:scene:{record.actual_start.isoformat()}"
            transition = slot.transition or programme.obs.transition
            due = DueScene(slot.scene, key, record.actual_start, transition)
    return due, intent_at(programme, state), frozenset({*done, *confirmed})


async def reconcile(
    fencing: Fencing, path: Path, session: ShowSession, done: frozenset[str], epoch: int
) -> tuple[str, str]:
    """A takeover (or a driver driving on): OBS read, then set to what the show is at that
    moment and the log at `path` shows not yet done (`done`: keys settled besides), driving
    under `epoch`. Returns what was found on OBS and what was done, in words."""

    def inputs() -> tuple[DueScene | None, dict[Output, Intent], frozenset[str]]:
        records = read_log(path).records  # (what the session wrote while OBS was read too)
        return takeover_inputs(session.state, records, done | done_keys_in(records))

    actual, plan = await fencing.take_over_as_of(epoch, inputs)
    found = describe_found(actual.program, actual.streaming, actual.recording)
    done_words = [f"switch to {plan.switch.scene}"] if plan.switch else []
    done_words += [s.action.value for s in (*plan.stops, *plan.starts) if s.request]
    return found, "; ".join([*done_words, *plan.kept]) or "nothing to change"


def unfit(header: bytes | None, mode: str, rehearsal: bool) -> str | None:
    """Why a standby of this kind (`mode`, `rehearsal`) must not drive the show of the copy
    whose first line is `header` (None: it may, or the header is not there yet). A dry run
    taken over as a dress rehearsal would switch scenes its driver never switched; a live
    standby would drive a rehearsal's log as the show, and a rehearsal the live show."""
    try:
        first = json.loads(header) if header else None
    except ValueError:
        return None
    if not isinstance(first, dict) or "mode" not in first:
        return None
    theirs = (str(first["mode"]), bool(first.get("rehearsal")))
    if theirs == (mode, rehearsal):
        return None
    return (
        f"the driver runs {_kind(*theirs)}, this standby {_kind(mode, rehearsal)}: it will "
        "not take over (start it as the driver was started: the same --dry-run, --at, --speed)"
    )


def _kind(mode: str, rehearsal: bool) -> str:
    if mode == "live":
        return "the live show" if not rehearsal else "a live rehearsal (--at)"
    return f"a {mode} rehearsal" if mode in ("dry", "dress") else f"a {mode} run"


def handover_refusal(driving: bool, standby: Presence | None, under_way: bool) -> str | None:
    """Why the driver's operator cannot hand over now (None: it can)."""
    if not driving:
        return "this run does not drive: nothing to hand over"
    if standby is None:
        return "no standby is heard on the broker: nothing to hand over to"
    if not standby.obs:
        return f"the standby {standby.run_id} does not reach OBS: it could not drive"
    return "a handover is under way" if under_way else None


def set_aside(path: Path, epoch: int) -> Path:
    """Rename a fenced driver's own log out of the way (never over a file): kept whole."""
    n = 1
    while True:
        aside = path.with_name(f"{path.stem}.fenced-epoch-{epoch}-{n}{path.suffix}")
        if not aside.exists():
            path.rename(aside)
            return aside
        n += 1


def describe_found(program: str | None, streaming: bool | None, recording: bool | None) -> str:
    """OBS as read at takeover, in words."""

    def state(value: bool | None) -> str:
        return "unknown" if value is None else ("on" if value else "off")

    scene = program if program is not None else "unknown"
    return f"program {scene}, stream {state(streaming)}, recording {state(recording)}"
