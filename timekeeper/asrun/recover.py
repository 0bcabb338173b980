"""Resuming a run: rebuild the show from its log and carry it on to now.

Owns `resume` and its `ResumeResult`: the replay (see `replay`) carried on to
*now*, as if timekeeper had never stopped, what happened while it was down,
the once-only OBS actions already done, the last speaker message, and the
one-line position the dashboard shows (`describe_position`). The logged slot
and turn events are the check: a difference is reported, never mixed in. It
must not choose which log to open (that is `resume.start_run`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from timekeeper import __version__
from timekeeper.asrun import versions
from timekeeper.asrun.log import LogContents, LogMismatchError, RunHeader, read_log
from timekeeper.asrun.replay import (
    STRUCTURAL,
    ClockFactory,
    compare,
    instant,
    logged_actions,
    logged_steps,
    replay_log,
)
from timekeeper.core.clock import Clock, SimulatedClock, SystemClock
from timekeeper.core.engine import Mode, ShowEvent, ShowState
from timekeeper.core.modes import SpeakerMessage
from timekeeper.core.programme import Programme


@dataclass(frozen=True)
class ResumeResult:
    """Everything a restarted run needs to go on where it was."""

    path: Path
    header: RunHeader | None
    state: ShowState  # replayed up to `at`
    clock: Clock  # the show clock to go on with (a continued pretend clock for rehearsals)
    at: datetime
    start: datetime  # the instant the replay started from (the header's started_at)
    done_keys: frozenset[str]  # once-only OBS action keys already carried out
    message: SpeakerMessage | None  # the last operator message on the speaker screens
    actions: int  # operator actions replayed
    records: int  # records read
    last_at: datetime | None  # show time of the last record before the crash
    caught_up: tuple[ShowEvent, ...]  # what happened while timekeeper was down
    warnings: tuple[str, ...] = ()
    mismatches: tuple[str, ...] = ()
    keep_bytes: int | None = None
    next_seq: int = 0
    notes: tuple[str, ...] = field(default=())
    offered: Programme | None = None  # the programme file, when it differs from the log's last

    @property
    def ok(self) -> bool:
        """The replay reproduced every logged slot and turn event."""
        return not self.mismatches

    def carried_on(self, state: ShowState, events: Iterable[ShowEvent]) -> ResumeResult:
        """This resume as read later: the show carried on to `state.as_of`, `events` on the way.

        A restart is not instant: between reading the log and showing the notice
        (loading the front end, the services) boundaries may pass. The notice must
        say where the show *is*; what passed meanwhile counts as passed while down.
        The `resume` record (`record()`) keeps the instant the log was read.
        """
        return replace(self, state=state, at=state.as_of, caught_up=(*self.caught_up, *events))

    def summary(self) -> str:
        """One line for the dashboard: where the show is now."""
        when = self.state.programme.local(self.at)
        return f"resumed from {self.path.name} at {when:%H:%M:%S}: {describe_position(self.state)}"

    def details(self) -> list[str]:
        """Further lines for the dashboard's event log."""
        out = [f"replayed {self.actions} operator action(s) from {self.path}"]
        changes = [e for e in self.caught_up if e.kind in STRUCTURAL]
        if changes:
            first = changes[0]
            what = " ".join(filter(None, [first.kind.replace("_", " "), first.slot]))
            when = self.state.programme.local(first.at)
            out.append(
                f"{len(changes)} change(s) while timekeeper was down, "
                f"the first: {what} at {when:%H:%M:%S}"
            )
        out += self.notes
        out += self.warnings
        out += [f"REPLAY DIFFERS FROM THE LOG: {m}" for m in self.mismatches]
        return out

    def record(self) -> dict[str, object]:
        """The `resume` record appended to the log."""
        return {
            "record": "resume",
            "at": self.at,
            "from": self.last_at,
            "actions": self.actions,
            "while_down": len(self.caught_up),
            "warnings": list(self.warnings),
            "mismatches": list(self.mismatches),
            "timekeeper": __version__,
        }


def describe_position(state: ShowState) -> str:
    """Where the show is, in words: "Panel discussion, turn 3 (Seonok Lee)"."""
    prog = state.programme
    if state.mode is Mode.LIVE:
        slot, rec = prog.slots[state.position], state.records[state.position]
        text = slot.title
        if rec.live_turn is not None:
            turn = slot.turns[rec.live_turn]
            text += f", turn {rec.live_turn + 1} ({turn.speaker})"
        return text + (", held" if state.held else "")
    if state.mode is Mode.ENDED:
        return "the show has ended"
    nxt = state.next_index
    where = "before the show" if state.mode is Mode.BEFORE else "between slots"
    if nxt is None:
        return where
    start = prog.local(prog.slots[nxt].start)
    return f"{where}, next {prog.slots[nxt].title} (planned {start:%H:%M})"


def check_programme(contents: LogContents, programme: Programme) -> None:
    """Refuse a log of another version of the programme that cannot be replayed.

    A log whose versions are kept beside it (docs/changes.md) replays with
    them whatever the file holds now; without the copy, its instants would be
    mixed up with another plan.
    """
    _first_version(contents, programme)


def _mismatch(contents: LogContents, sha: str, programme: Programme) -> LogMismatchError:
    source = programme.source or "the programme"
    return LogMismatchError(
        f"{contents.path} was written for another version of the programme "
        f"(sha256 {sha[:12]}…), but {source} now has sha256 "
        f"{(programme.digest or '?')[:12]}… and that version is not kept in "
        f"{versions.folder(contents.path)}. Restore the programme file as it was during that "
        "run to resume it, or start a new run with --fresh (the old log is kept)."
    )


def _version(contents: LogContents, sha: str | None, programme: Programme) -> Programme:
    """The programme version with this hash: the file itself, or the copy beside the log."""
    if not sha or not programme.digest or sha == programme.digest:
        return programme
    kept = versions.load(contents.path, sha)
    if kept is None:
        raise _mismatch(contents, sha, programme)
    return kept


def _first_version(contents: LogContents, programme: Programme) -> Programme:
    header = contents.header
    return _version(contents, header.programme_sha256 if header else None, programme)


def last_version(contents: LogContents) -> str | None:
    """The sha256 of the version the run last ran under (its last revision, else its start)."""
    for rec in reversed(contents.records):
        if rec.get("record") == "revision" and isinstance(rec.get("sha256"), str):
            return str(rec["sha256"])
    return contents.header.programme_sha256 if contents.header is not None else None


def resume(
    path: Path,
    programme: Programme,
    clock: Clock,
    *,
    real_clock: Clock | None = None,
    make_clock: ClockFactory = SimulatedClock,
    contents: LogContents | None = None,
    autopilot: bool = False,
) -> ResumeResult:
    """Rebuild the show from the log at `path`, up to now.

    `clock` is the show clock for a run on the real time of day. A rehearsal
    on a pretend clock continues that clock instead: the last record's show
    time + real time since × the run's speed (from `real_at` and the header),
    built with `make_clock(start, speed)`. Raises LogMismatchError for a log
    of another programme version. `autopilot`: a headless run (see replay_log's
    `follow`): what its autopilot would have done while it was down is done.
    """
    contents = contents if contents is not None else read_log(path)
    first = _first_version(contents, programme)
    real_clock = real_clock if real_clock is not None else SystemClock()
    header, records = contents.header, contents.records
    notes: list[str] = []
    last_timed = _last_timed(contents)
    if header is not None and header.simulated:
        clock = _continued(header, last_timed, real_clock, make_clock)
        notes.append(
            f"rehearsal clock continues at {programme.local(clock.now()):%H:%M:%S} "
            f"(×{header.speed:g}); use --fresh to start the rehearsal over"
        )
    elif header is not None and clock.simulated:
        clock = real_clock
        notes.append("this run was on the real clock: --at/--speed are ignored (use --fresh)")
    now = clock.now()
    start = header.started_at if header is not None else now
    actions = logged_actions(records)
    steps = logged_steps(
        records, lambda rec: _version(contents, str(rec.get("sha256") or ""), programme)
    )
    played = replay_log(first, start, steps, max(now, start), follow=autopilot)
    mismatches, matched = compare(programme, records, played.events)
    mismatches += list(played.refused_revisions)
    last = last_version(contents)
    offered = None
    if programme.digest and last and programme.digest != last:
        offered = programme
        notes.append(
            f"{programme.source or 'the programme'} differs from the version this run last ran "
            f"under (sha256 {last[:12]}…): the show goes on as logged; the difference is offered"
        )
    mismatches += [
        f"operator action {row.action.kind.value} at {programme.local(row.at):%H:%M:%S} "
        f"could not be replayed: {row.refused}"
        for row in played.actions
        if row.refused
    ]
    last_at = last_timed[0] if last_timed else None
    if last_at is not None and now < last_at:
        notes.append(f"the clock is {last_at - now} behind the log's last record")
    return ResumeResult(
        path=path,
        header=header,
        state=played.state,
        clock=clock,
        at=played.state.as_of,
        start=start,
        done_keys=frozenset(done_keys_in(records)),
        message=_last_message(records),
        actions=len(actions),
        records=len(records),
        last_at=last_at,
        caught_up=_caught_up(played.events, matched, last_at),
        warnings=contents.warnings,
        mismatches=tuple(mismatches),
        keep_bytes=contents.keep_bytes,
        next_seq=contents.next_seq,
        notes=tuple(notes),
        offered=offered,
    )


def _last_timed(contents: LogContents) -> tuple[datetime, datetime] | None:
    """(show time, real time) of the newest record that has both: anchors a pretend clock."""
    for rec in reversed(contents.records):
        at, real = instant(rec.get("at")), instant(rec.get("real_at"))
        if at is not None and real is not None:
            return at, real
    header = contents.header
    return (header.started_at, header.real_started_at) if header is not None else None


def _continued(
    header: RunHeader,
    last: tuple[datetime, datetime] | None,
    real_clock: Clock,
    make_clock: ClockFactory,
) -> Clock:
    """The pretend clock as if it had never stopped: the header's (show, real) start, run on.

    A pretend clock runs at one speed from its start and never jumps, so its reading is a
    function of the real time alone. A record's `at` is not a clock reading (an event
    carries its own instant: a boundary written 3 ms late under load says the boundary), so
    anchoring on the last record set the clock back by that delay × the speed on every
    restart (fifty restarts at ×30 put it 2.8 show seconds behind: bench_chaos --soak).
    `last` only guards a clock that would read before the log's last record.
    """
    gone = max(real_clock.now() - header.real_started_at, timedelta(0))
    now = header.started_at + gone * header.speed
    if last is not None and now < last[0]:  # the real clock was set back: never go back
        now = last[0]
    return make_clock(now, header.speed)


def _caught_up(
    events: tuple[ShowEvent, ...], matched: int, last_at: datetime | None
) -> tuple[ShowEvent, ...]:
    """Replayed events past the logged ones: they happened while nothing was logging."""
    pos = 0
    if matched:
        seen = 0
        for i, event in enumerate(events):
            seen += event.kind in STRUCTURAL
            if seen == matched:
                pos = i + 1
                break
    return tuple(
        e
        for e in events[pos:]
        # "operator": an autopilot move while down (logged moves are not among the events)
        if e.kind in STRUCTURAL or e.kind == "operator" or last_at is None or e.at > last_at
    )


REHEARSED = frozenset({"dress_rehearsal", "dry_run"})  # an action a rehearsal only said it would do


def done_keys_in(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """Once-only output actions already carried out: done, or in a rehearsal's log, said as
    "would …" (a rehearsal never sends them, so its resume must not say them again)."""
    keys = set()
    for rec in records:
        key = rec.get("key")
        if not isinstance(key, str):
            continue
        event = rec.get("event")
        if event == "action_done" or (event == "action_skipped" and rec.get("reason") in REHEARSED):
            keys.add(key)
    return keys


def _last_message(records: tuple[dict[str, Any], ...]) -> SpeakerMessage | None:
    for rec in reversed(records):
        if rec.get("event") == "message":
            text = str(rec.get("text") or "").strip()
            return SpeakerMessage(text, rec.get("cause") == "flash") if text else None
    return None
