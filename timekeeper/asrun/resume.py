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

from timekeeper.asrun import locate, versions
from timekeeper.asrun.locate import ShowKey
from timekeeper.asrun.lock import LogLock
from timekeeper.asrun.log import (
    AsRunError,
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
from timekeeper.asrun.rescue import merge_into_logs_of
from timekeeper.core.clock import Clock, SimulatedClock
from timekeeper.core.engine import ShowEvent, ShowState, new_show
from timekeeper.core.modes import SpeakerMessage
from timekeeper.core.programme import Programme

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
    room: str | None = None,
) -> Path | None:
    """The log of this programme's run to resume, if its show has not ended."""
    rehearsal = mode != "live" if rehearsal is None else rehearsal
    show = ShowKey.of(_source(programme), mode, rehearsal, room)
    contents = locate.unfinished(show, _given(log_path))
    return contents.path if contents is not None else None


def _source(programme: Programme) -> Path:
    return Path(programme.source) if programme.source else Path.cwd() / "programme.yaml"


def _given(log_path: str | Path | None) -> Path | None:
    return Path(log_path).expanduser() if log_path is not None else None


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
    room: str | None = None,
    venue: str | None = None,
    ended_too: bool = False,
) -> RunStart:
    """Lock and open the run's log, resuming this show's last run unless it ended or `fresh`.

    The run to resume is found by what the logs say (`locate`): the newest log in
    the folder (runs/ beside the programme, or `--log DIR`) of a run of this
    programme file, of this kind, in this room; or exactly `--log FILE`. A run whose
    show ended is kept and a new one starts (NAME-2.jsonl, -3, ... of the default
    name; `--log FILE`: refused, FILE is written by nothing else); `fresh` starts a
    new one whatever state the last run is in, and says which log it set aside.
    Rescued records of a log there are merged first (`rescue`). Raises
    LogLocationError (unwritable place), LogInUseError, LogMismatchError (another
    programme version, a rehearsal's log for the live show, a finished `--log
    FILE`) or LogFormatError, all before the show starts. `autopilot`: the run is
    headless (see `resume`). `ended_too`: resume the log even if its show ended (a standby
    taking over from a driver that died after the end, before its last outputs were done).
    """
    show = ShowKey.of(_source(programme), mode, rehearsal, room)
    given = _given(log_path)
    base = _base(programme, mode, rehearsal, venue, room, given)
    exact = given is not None and not given.is_dir()
    folder = show.default_folder() if given is None else given
    notes = merge_into_logs_of(folder, real_clock.now(), show.owner)
    if exact:
        assert given is not None
        last: Path | None = given if given.exists() else None
    else:
        runs = locate.runs_of(folder, show)
        last = runs[0] if runs else _headerless(base)
    path = given if exact and given is not None else None
    held: LogLock | None = None  # the lock of FILE, kept while FILE is set aside and begun anew
    if last is not None and fresh:
        unfinished = _unfinished(last)
        state = {True: "unfinished", False: "its show ended", None: "unreadable"}[unfinished]
        if exact:
            held = LogLock.acquire(last, real_clock.now(), show.owner)
            with _released_on_error(held):
                aside = _set_aside(last)
            notes.append(f"--fresh: {last.name} ({state}) was set aside as {aside.name}")
        else:
            notes.append(f"--fresh: the run logged in {last.name} ({state}) is set aside (kept)")
    elif last is not None:
        # before reading: a second run of a log in use is refused at once, reading nothing
        lock = LogLock.acquire(last, real_clock.now(), show.owner)
        with _released_on_error(lock):
            contents = read_log(last)
            if not contents.ended or ended_too:
                _check_kind(contents, mode, rehearsal)
                run = _resume_run(
                    contents, programme, clock, real_clock, mode, rehearsal,
                    on_health, make_clock, autopilot,
                )  # fmt: skip
                run.log.lock = lock
                return replace(run, notes=(*notes, *run.notes))
            if exact:
                raise LogMismatchError(
                    f"{last} holds a run whose show has ended, and --log FILE writes exactly "
                    "that file: give a new file with --log, or set this one aside with --fresh"
                )
        lock.release()
        notes.append(f"the run logged in {last.name} ended; this is a new run (kept)")
    if path is None:
        path = next_in_series(base)
    header = RunHeader.for_run(
        programme, path, clock=clock, real_clock=real_clock, mode=mode, rehearsal=rehearsal,
        room=room, venue=venue,
    )  # fmt: skip
    lock = held if held is not None else LogLock.acquire(path, real_clock.now(), show.owner)
    with _released_on_error(lock):
        log = AsRunLog.create(path, header, clock=clock, real_clock=real_clock, on_health=on_health)
        versions.keep_source(path, programme)  # so a resume with an edited file can replay this one
    log.lock = lock
    return RunStart(log, new_show(programme, header.started_at), clock, None, tuple(notes))


def _base(
    programme: Programme,
    mode: str,
    rehearsal: bool,
    venue: str | None,
    room: str | None,
    folder: Path | None,
) -> Path:
    """The first name of this show's series: the default name, in `--log DIR` if given."""
    default = default_log_path(programme, mode, rehearsal, venue, room)
    return default if folder is None else folder / default.name


def _headerless(base: Path) -> Path | None:
    """The newest log of the series if its header never reached the disk (a crash at once)."""
    latest = latest_in_series(base)
    if latest is None or locate.read_header(latest[0]) is not None:
        return None
    return latest[0]


def _unfinished(path: Path) -> bool | None:
    """Whether the run logged at `path` is unfinished (None: the log cannot be read)."""
    try:
        return not read_log(path).ended
    except AsRunError:
        return None


def _set_aside(path: Path) -> Path:
    """Rename an earlier run's log out of the way of `--fresh --log FILE` (never over a file)."""
    n = 1
    while True:
        aside = path.with_name(f"{path.stem}.set-aside-{n}{path.suffix}")
        if not aside.exists() and not aside.is_symlink():
            path.rename(aside)
            return aside
        n += 1


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
