"""Crash recovery: rebuild the show from its as-run log, and decide fresh run versus resume.

Why replay rather than a saved snapshot: the engine is deterministic, so the
logged operator actions at their instants, replayed from the run's start,
give back exactly the state the show had (automatic transitions, delays,
extensions, holds, the undo history) and then carry it on to *now*, as if
timekeeper had never stopped. The logged slot and turn events are the check:
the replay must reproduce them; a difference is reported, never mixed in.

`start_run` is what `timekeeper run` calls: it picks the log (default place,
`--log`, `--fresh`), resumes or starts a run, and returns everything the
session needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from timekeeper import __version__
from timekeeper.asrun.log import (
    AsRunLog,
    HealthListener,
    LogContents,
    LogMismatchError,
    RunHeader,
    as_record,
    default_log_path,
    latest_in_series,
    next_in_series,
    read_log,
)
from timekeeper.core.clock import Clock, SimulatedClock, SystemClock
from timekeeper.core.engine import (
    Action,
    Mode,
    ShowEvent,
    ShowState,
    advance,
    apply,
    follow_plan,
    new_show,
)
from timekeeper.core.programme import Programme
from timekeeper.errors import TransitionError
from timekeeper.runtime.session import SpeakerMessage

# Engine events that change the show (phase events are derived, so not compared).
STRUCTURAL = frozenset(
    {
        "show_started",
        "slot_started",
        "slot_ended",
        "slot_skipped",
        "turn_started",
        "turn_ended",
        "turns_done",
        "show_ended",
        "back",
        "hold",
        "release",
        "extended",
        "shortened",
    }
)

ClockFactory = Callable[[datetime, float], Clock]


# ---------------------------------------------------------------- replaying a log


@dataclass(frozen=True)
class ActionAt:
    """A logged operator action, with the slot that was live when it was taken."""

    at: datetime
    action: Action
    live: str | None  # slot id
    refused: str | None = None  # the replay could not apply it (a mismatch)
    produced: tuple[ShowEvent, ...] = ()  # the events it produced


@dataclass(frozen=True)
class Replay:
    state: ShowState
    events: tuple[ShowEvent, ...]  # every engine event, in order
    actions: tuple[ActionAt, ...]


def instant(value: object) -> datetime | None:
    """A record's ISO instant, or None if it has none (or a bad one)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def logged_actions(records: Iterable[Mapping[str, Any]]) -> list[tuple[datetime, Action]]:
    """The operator actions of a log, at their instants."""
    out = []
    for rec in records:
        action, at = rec.get("action"), instant(rec.get("at"))
        if rec.get("event") == "operator" and isinstance(action, dict) and at is not None:
            out.append((at, Action.from_json(action)))
    return out


def replay_log(
    programme: Programme,
    start: datetime,
    actions: list[tuple[datetime, Action]],
    until: datetime,
    *,
    follow: bool = False,
) -> Replay:
    """The engine's `replay` (same steps, same state), keeping the events it produces.

    An action the engine refuses is skipped and marked: the log says it was
    applied, so that is a mismatch to report, not a reason to stop. `follow`:
    nobody was at the keys (a headless run's autopilot), so after the logged
    actions the show follows the plan up to `until` (manual turns and slots move
    on at their deadlines, as "operator" events with cause "autopilot"), as the
    run would have done had it not stopped.
    """
    state = new_show(programme, start)
    events: list[ShowEvent] = []
    rows = []
    for at, action in actions:
        state, due = advance(state, at)
        events += due
        live = programme.slots[state.live].id if state.live is not None else None
        try:
            state, done = apply(state, action, at)
        except TransitionError as exc:
            rows.append(ActionAt(at, action, live, refused=str(exc)))
            continue
        events += done
        rows.append(ActionAt(at, action, live, produced=tuple(done)))
    state, due = follow_plan(state, until) if follow else advance(state, until)
    return Replay(state, tuple(events + due), tuple(rows))


def _key(kind: str, at: datetime | None, slot: object, turn: object) -> tuple[object, ...]:
    return (kind, at, slot, turn)


def _describe(key: tuple[object, ...], programme: Programme) -> str:
    kind, at, slot, turn = key
    when = f"{programme.local(at):%H:%M:%S}" if isinstance(at, datetime) else "?"
    what = f"{kind} {slot}" if slot else str(kind)
    if turn is not None:
        what += f" turn {int(str(turn)) + 1}"
    return f"{what} at {when}"


def compare(
    programme: Programme, records: Iterable[Mapping[str, Any]], replayed: Iterable[ShowEvent]
) -> tuple[list[str], int]:
    """Check that the logged show events are a prefix of the replayed ones.

    Returns the mismatches (the first difference only: the rest follows from
    it) and how many replayed structural events the log already holds.
    """
    logged = [
        _key(str(r["event"]), instant(r.get("at")), r.get("slot"), r.get("turn"))
        for r in records
        if r.get("record") == "event" and r.get("event") in STRUCTURAL
    ]
    replay = [_key(e.kind, e.at, e.slot, e.turn) for e in replayed if e.kind in STRUCTURAL]
    for a, b in zip(logged, replay, strict=False):
        if a != b:
            return [
                f"the log says {_describe(a, programme)}, "
                f"the replay gives {_describe(b, programme)}"
            ], len(logged)
    if len(logged) > len(replay):
        extra = _describe(logged[len(replay)], programme)
        return [f"the log has {len(logged) - len(replay)} event(s) the replay lacks: {extra}"], len(
            replay
        )
    return [], len(logged)


# ---------------------------------------------------------------- resuming


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

    @property
    def ok(self) -> bool:
        """The replay reproduced every logged slot and turn event."""
        return not self.mismatches

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
    """Refuse a log of another version of the programme: its instants would be mixed up."""
    header = contents.header
    if header is None or not header.programme_sha256 or not programme.digest:
        return
    if header.programme_sha256 != programme.digest:
        source = programme.source or "the programme"
        raise LogMismatchError(
            f"{contents.path} was written for another version of the programme "
            f"(sha256 {header.programme_sha256[:12]}…), but {source} now has sha256 "
            f"{programme.digest[:12]}…. Restore the programme file as it was during that run "
            "to resume it, or start a new run with --fresh (the old log is kept)."
        )


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
    check_programme(contents, programme)
    real_clock = real_clock if real_clock is not None else SystemClock()
    header, records = contents.header, contents.records
    notes: list[str] = []
    last = _last_timed(contents)
    if header is not None and header.simulated:
        clock = _continued(header, last, real_clock, make_clock)
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
    played = replay_log(programme, start, actions, max(now, start), follow=autopilot)
    mismatches, matched = compare(programme, records, played.events)
    mismatches += [
        f"operator action {row.action.kind.value} at {programme.local(row.at):%H:%M:%S} "
        f"could not be replayed: {row.refused}"
        for row in played.actions
        if row.refused
    ]
    last_at = last[0] if last else None
    if last_at is not None and now < last_at:
        notes.append(f"the clock is {last_at - now} behind the log's last record")
    return ResumeResult(
        path=path,
        header=header,
        state=played.state,
        clock=clock,
        at=played.state.as_of,
        start=start,
        done_keys=frozenset(_done_keys(records)),
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
    at, real = last if last is not None else (header.started_at, header.real_started_at)
    gone = max(real_clock.now() - real, timedelta(0))
    return make_clock(at + gone * header.speed, header.speed)


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


def _done_keys(records: Iterable[Mapping[str, Any]]) -> set[str]:
    keys = set()
    for rec in records:
        key = rec.get("key")
        if rec.get("event") == "action_done" and isinstance(key, str):
            keys.add(key)
    return keys


def _last_message(records: tuple[dict[str, Any], ...]) -> SpeakerMessage | None:
    for rec in reversed(records):
        if rec.get("event") == "message":
            text = str(rec.get("text") or "").strip()
            return SpeakerMessage(text, rec.get("cause") == "flash") if text else None
    return None


# ---------------------------------------------------------------- fresh or resume


@dataclass(frozen=True)
class RunStart:
    """What `timekeeper run` needs to start (or go on with) the show."""

    log: AsRunLog
    state: ShowState  # pass to ShowSession(state=...)
    clock: Clock  # pass to ShowSession: a resumed rehearsal's clock continues
    resumed: ResumeResult | None
    notes: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return self.log.path

    @property
    def done_keys(self) -> frozenset[str]:
        """Once-only OBS actions already done: the OBS director must not repeat them."""
        return self.resumed.done_keys if self.resumed is not None else frozenset()

    @property
    def message(self) -> SpeakerMessage | None:
        return self.resumed.message if self.resumed is not None else None

    def lines(self) -> list[str]:
        """What the dashboard says about the log when the run starts."""
        if self.resumed is None:
            return [f"as-run log: {self.path}", *self.notes]
        return [self.resumed.summary(), *self.resumed.details(), *self.notes]


def find_resumable(
    programme: Programme,
    mode: str,
    log_path: str | Path | None = None,
    *,
    rehearsal: bool | None = None,
) -> Path | None:
    """The log of this event's run to resume, if its show has not ended."""
    found = _latest(programme, mode, log_path, rehearsal)
    if found is None:
        return None
    return None if read_log(found).ended else found


def _base(
    programme: Programme, mode: str, log_path: str | Path | None, rehearsal: bool | None
) -> Path:
    rehearsal = mode != "live" if rehearsal is None else rehearsal
    default = default_log_path(programme, mode, rehearsal)
    if log_path is None:
        return default
    path = Path(log_path).expanduser()
    return path / default.name if path.is_dir() else path  # --log DIR: the usual name in DIR


def _latest(
    programme: Programme, mode: str, log_path: str | Path | None, rehearsal: bool | None
) -> Path | None:
    latest = latest_in_series(_base(programme, mode, log_path, rehearsal))
    return latest[0] if latest is not None else None


def start_run(
    programme: Programme,
    *,
    clock: Clock,
    real_clock: Clock,
    mode: str,
    rehearsal: bool,
    log_path: str | Path | None = None,
    fresh: bool = False,
    on_health: HealthListener | None = None,
    make_clock: ClockFactory = SimulatedClock,
    autopilot: bool = False,
) -> RunStart:
    """Open the run's log, resuming the event's last run unless it ended or `fresh` is set.

    A run whose show ended is kept and a new one starts in NAME-2.jsonl (then
    -3, ...); `fresh` does the same whatever state the last run is in. Raises
    LogLocationError (unwritable place), LogMismatchError (another programme
    version, or a rehearsal's log for the live show) or LogFormatError, all
    before the show starts. `autopilot`: the run is headless (see `resume`).
    """
    base = _base(programme, mode, log_path, rehearsal)
    latest = latest_in_series(base)
    notes: list[str] = []
    if latest is not None and not fresh:
        contents = read_log(latest[0])
        if not contents.ended:
            _check_kind(contents, mode, rehearsal)
            return _resume_run(
                contents,
                programme,
                clock,
                real_clock,
                mode,
                rehearsal,
                on_health,
                make_clock,
                autopilot,
            )
        notes.append(f"the run logged in {latest[0].name} ended; this is a new run (kept)")
    path = next_in_series(base)
    if fresh and latest is not None:
        notes.append(f"--fresh: new run in {path.name}; {latest[0].name} is kept")
    header = RunHeader.for_run(
        programme, path, clock=clock, real_clock=real_clock, mode=mode, rehearsal=rehearsal
    )
    log = AsRunLog.create(path, header, clock=clock, real_clock=real_clock, on_health=on_health)
    return RunStart(log, new_show(programme, header.started_at), clock, None, tuple(notes))


def _check_kind(contents: LogContents, mode: str, rehearsal: bool) -> None:
    header = contents.header
    if header is None or header.rehearsal == rehearsal:
        return
    was = "a rehearsal" if header.rehearsal else "the live show"
    now = "a rehearsal" if rehearsal else "the live show"
    raise LogMismatchError(
        f"{contents.path} is the log of {was}, but this run is {now}: they must not mix. "
        f"Choose another file with --log, or start a new run with --fresh."
    )


def _resume_run(
    contents: LogContents,
    programme: Programme,
    clock: Clock,
    real_clock: Clock,
    mode: str,
    rehearsal: bool,
    on_health: HealthListener | None,
    make_clock: ClockFactory,
    autopilot: bool = False,
) -> RunStart:
    result = resume(
        contents.path,
        programme,
        clock,
        real_clock=real_clock,
        make_clock=make_clock,
        contents=contents,
        autopilot=autopilot,
    )
    header = None
    if contents.header is None:  # a crash before the header reached the disk
        header = RunHeader.for_run(
            programme,
            contents.path,
            clock=result.clock,
            real_clock=real_clock,
            mode=mode,
            rehearsal=rehearsal,
        )
        header = replace(header, started_at=result.start)
    log = AsRunLog.reopen(
        contents.path,
        clock=result.clock,
        real_clock=real_clock,
        next_seq=contents.next_seq,
        keep_bytes=contents.keep_bytes,
        header=header,
        on_health=on_health,
    )
    caught_up = [{**as_record(event), "caught_up": True} for event in result.caught_up]
    log.record_events([*caught_up, result.record()])
    notes = []
    if contents.header is not None and contents.header.mode != mode:
        notes.append(f"this run started in {contents.header.mode} mode; it goes on in {mode} mode")
    return RunStart(log, result.state, result.clock, result, tuple(notes))
