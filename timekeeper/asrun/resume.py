"""Crash recovery: rebuild the show from its as-run log, and decide fresh run versus resume.

Why replay rather than a saved snapshot: the engine is deterministic, so the
logged operator actions at their instants, replayed from the run's start,
give back exactly the state the show had (automatic transitions, delays,
extensions, holds, the undo history) and then carry it on to *now*, as if
timekeeper had never stopped. The logged slot and turn events are the check:
the replay must reproduce them; a difference is reported, never mixed in.

`start_run` is what `timekeeper run` calls: it picks the log (default place,
`--log`, `--fresh`), resumes or starts a run, and returns everything the
session needs; this module owns that choice. Replaying is in `replay`,
resuming in `recover`; their names stay importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from timekeeper.asrun import versions
from timekeeper.asrun.lock import LogLock
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
from timekeeper.asrun.recover import ResumeResult, check_programme, describe_position, resume
from timekeeper.asrun.replay import (
    STRUCTURAL,
    ActionAt,
    ClockFactory,
    Replay,
    compare,
    instant,
    logged_actions,
    replay_log,
)
from timekeeper.core.clock import Clock, SimulatedClock
from timekeeper.core.engine import ShowEvent, ShowState, new_show
from timekeeper.core.programme import Programme
from timekeeper.runtime.session import SpeakerMessage

__all__ = [
    "STRUCTURAL",
    "ActionAt",
    "ClockFactory",
    "Replay",
    "ResumeResult",
    "RunStart",
    "check_programme",
    "compare",
    "describe_position",
    "find_resumable",
    "instant",
    "logged_actions",
    "replay_log",
    "resume",
    "start_run",
]


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

    def lines(self, now: ShowState | None = None, since: Iterable[ShowEvent] = ()) -> list[str]:
        """What the dashboard says about the log when the run starts.

        `now`: the resumed show carried on to the instant the lines are shown, with
        `since` the events that brought it there (see ResumeResult.carried_on).
        """
        if self.resumed is None:
            return [f"as-run log: {self.path}", *self.notes]
        resumed = self.resumed if now is None else self.resumed.carried_on(now, since)
        return [resumed.summary(), *resumed.details(), *self.notes]


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
    """Lock and open the run's log, resuming the event's last run unless it ended or `fresh` is set.

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
        # before reading: a second run of a log in use is refused at once, reading nothing
        lock = LogLock.acquire(latest[0], real_clock.now())
        with _released_on_error(lock):
            contents = read_log(latest[0])
            if not contents.ended:
                _check_kind(contents, mode, rehearsal)
                run = _resume_run(
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
                run.log.lock = lock
                return run
        lock.release()
        notes.append(f"the run logged in {latest[0].name} ended; this is a new run (kept)")
    path = next_in_series(base)
    if fresh and latest is not None:
        notes.append(f"--fresh: new run in {path.name}; {latest[0].name} is kept")
    header = RunHeader.for_run(
        programme, path, clock=clock, real_clock=real_clock, mode=mode, rehearsal=rehearsal
    )
    lock = LogLock.acquire(path, real_clock.now())
    with _released_on_error(lock):
        log = AsRunLog.create(path, header, clock=clock, real_clock=real_clock, on_health=on_health)
        versions.keep_source(path, programme)  # so a resume with an edited file can replay this one
    log.lock = lock
    return RunStart(log, new_show(programme, header.started_at), clock, None, tuple(notes))


@contextmanager
def _released_on_error(lock: LogLock) -> Iterator[None]:
    try:
        yield
    except BaseException:
        lock.release()
        raise


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
