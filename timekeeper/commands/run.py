"""`timekeeper run`: build the clock, the session and its services; then the dashboard or headless.

The pieces are built by `build_runtime()` into a `Runtime`, which both front ends
share: the dashboard and `--headless` run the same session with the same
services, and differ only in how they show what happens. Other parts plug in as
*services* (started before the show's scheduler ticks, stopped after it) by
adding a factory to `SERVICE_FACTORIES`. A factory runs synchronously while the
runtime is built, so a service that must see every ShowEvent (the as-run log)
subscribes to the session there; `start()` is for I/O. A service reports
through `Runtime.notice()` and can hand the dashboard an OBS status by setting
`Runtime.obs_status`. Headless runs have nobody at the keys: their session runs on
autopilot (manual slots and turns move on at their deadlines, logged as operator moves).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import pendulum

from timekeeper.cliargs import SPEED_MAX, SPEED_MIN
from timekeeper.core.clock import Clock, SimulatedClock, SystemClock
from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import Programme
from timekeeper.errors import ProgrammeError, TimekeeperError, UsageError
from timekeeper.runtime import diagnostics
from timekeeper.runtime.session import RunMode, ShowSession

if TYPE_CHECKING:
    from timekeeper.asrun import LogHealth, RunStart

log = logging.getLogger(__name__)
DEFAULT_PORT = 8765
DASHBOARD_CRASHED = 1  # exit status when the dashboard died (the run can be resumed)
DRY_RUN_LEAD = timedelta(minutes=1)  # a dry run on another day starts this long before the show
TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


@dataclass(frozen=True)
class RunOptions:
    """The `run` command line, typed (see cli.py for what each flag means)."""

    programme: Path
    dry_run: bool = False
    at: str | None = None
    speed: float | None = None
    headless: bool = False
    obs_url: str | None = None
    port: int = DEFAULT_PORT  # 0: no speaker server
    bind: str = "127.0.0.1"
    log: Path | None = None
    fresh: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunOptions:
        return cls(
            programme=Path(args.programme),
            dry_run=bool(args.dry_run),
            at=args.at,
            speed=args.speed,
            headless=bool(args.headless),
            obs_url=args.obs_url,
            port=DEFAULT_PORT if args.port is None else int(args.port),
            bind=str(args.bind),
            log=Path(args.log) if args.log else None,
            fresh=bool(args.fresh),
        )


@dataclass(frozen=True)
class Notice:
    """Something the runtime reports that is not a show event (a service's URL, a failure)."""

    event: str
    data: Mapping[str, object]

    def to_json(self) -> dict[str, object]:
        return {"at": self.data.get("at"), "event": self.event, **self.data}


class Service(Protocol):
    """Runs beside the show (OBS director, as-run log, speaker server).

    `start()` must return promptly (long work, like reconnecting, goes in the
    service's own task); raising a TimekeeperError or OSError there is reported
    as `<name>_failed` and the show runs on without the service.
    """

    name: str

    async def start(self, runtime: Runtime) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    """One run: programme, session, options, and the services around the show."""

    programme: Programme
    session: ShowSession
    options: RunOptions
    started_at: datetime  # the clock's first reading
    services: list[Service] = field(default_factory=list)
    obs_status: Callable[[], object] | None = None  # set by the OBS service; polled per frame
    obs_command: Callable[[str], str] | None = None  # operator keys for OBS (resend, auto)
    listeners: list[Callable[[Notice], None]] = field(default_factory=list)
    asrun: RunStart | None = None  # the as-run log of this run (None: not logging)
    diagnostics: Path | None = None  # internal errors with tracebacks, next to the as-run log

    def notice(self, event: str, **data: object) -> None:
        """Tell the front end (a dashboard log line, a headless JSON line)."""
        now = self.session.clock.now().astimezone(self.programme.tz)
        note = Notice(event, {"at": now.isoformat(), **data})
        for listener in list(self.listeners):
            listener(note)

    def record(self, record: Mapping[str, object]) -> None:
        """A record from a service (OBS): into the as-run log, and to the front end."""
        if self.asrun is not None:
            self.asrun.log.append(dict(record))
        event = str(record.get("event", "record"))
        if _routine(event, record):
            return  # logged; the OBS panel shows it, the front end need not repeat it
        data = {k: v for k, v in record.items() if k not in ("event", "at")}
        self.notice(event, source="obs", **data)

    def log_health(self, health: LogHealth) -> None:
        """The as-run log could not write (disk full, removed): say so loudly, keep the show."""
        if health.ok:
            self.notice("as_run_log_ok", message="as-run log writing again")
        else:
            self.notice("as_run_log_failed", error=health.describe())

    def announce_log(self) -> None:
        """Where this run is logged, or what was resumed from where."""
        if self.asrun is not None:
            resumed = self.asrun.resumed is not None
            lines = self.asrun.lines()
            if not resumed:
                lines = [str(self.asrun.path), *lines[1:]]  # "as-run log: " is the event's name
            self.notice(
                "resumed" if resumed else "as_run_log",
                path=str(self.asrun.path),
                message=" | ".join(lines),
            )

    def _clock_start(self) -> datetime:
        """Where the clock started: --at's time, or where a resumed rehearsal carries on."""
        if self.asrun is not None and self.asrun.resumed is not None:
            return self.asrun.resumed.at
        return self.started_at

    diagnostics_handler: logging.Handler | None = None

    def internal_error(self, where: str, exc: BaseException) -> None:
        """A contained internal error: name it and the file that holds its traceback."""
        handler = self.diagnostics_handler
        text = f"{type(exc).__name__}: {exc}"
        if handler is not None and isinstance(handler.formatter, diagnostics.RedactingFormatter):
            text = handler.formatter.redact(text)
        self.notice(
            "internal_error",
            where=where,
            error=text,
            diagnostics=str(self.diagnostics) if self.diagnostics else None,
        )

    def close(self) -> None:
        """Close the as-run log (raises LogWriteError if records had to be rescued), then
        the diagnostics log."""
        try:
            if self.asrun is not None:
                self.asrun.log.close()
        finally:
            if self.diagnostics_handler is not None:
                diagnostics.uninstall(self.diagnostics_handler)
                self.diagnostics_handler = None

    def read_obs_status(self) -> object:
        """What the OBS panel shows; None reads "OBS: not configured"."""
        return None if self.obs_status is None else self.obs_status()

    def run_started(self) -> dict[str, object]:
        return {
            "event": "run_started",
            "mode": self.session.run_mode.value,
            "speed": self.session.clock.speed,
            "at": self._clock_start().astimezone(self.programme.tz).isoformat(),
            "rehearsal": self.session.rehearsal,
            "programme": str(self.options.programme),
        }

    @contextlib.asynccontextmanager
    async def services_running(self) -> AsyncIterator[None]:
        """Start every service (skipping those that fail); stop them, newest first, after."""
        started: list[Service] = []
        try:
            for service in self.services:
                try:
                    await service.start(self)
                except (TimekeeperError, OSError) as exc:
                    self.notice(f"{service.name}_failed", error=str(exc))
                else:
                    started.append(service)
            yield
        finally:
            for service in reversed(started):
                try:
                    await service.stop()
                except Exception as exc:  # one failing stop must not keep the others running
                    self.notice(f"{service.name}_stop_failed", error=str(exc))

    async def serve(self) -> None:
        """The show with its services, until the last slot has ended."""
        async with self.services_running():
            await self.session.run()


def _secret_variables(programme: Programme) -> list[str]:
    """The environment variables whose values must never be written anywhere."""
    names = [programme.obs.password_env] if programme.obs and programme.obs.password_env else []
    return [name for name in names if name]


def _routine(event: str, record: Mapping[str, object]) -> bool:
    """OBS records too frequent for the front end: text updates, repeated connect failures."""
    if event == "text_set":
        return True
    attempt = record.get("attempt")
    if event == "obs_connect_failed" and isinstance(attempt, int):
        return attempt > 1 and attempt % 10 != 0
    return False


# ---------------------------------------------------------------- services


class SpeakerService:
    """The speaker-screen server (`timekeeper speaker` and browsers follow it)."""

    name = "speaker_server"

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._server: _Server | None = None

    async def start(self, runtime: Runtime) -> None:
        try:
            from timekeeper.speaker.server import SpeakerServer
        except ImportError as exc:
            raise UsageError(f"speaker screens are not available: {exc}") from None
        server = SpeakerServer(runtime.session, self.host, self.port)
        url = await server.start()
        self._server = server
        runtime.notice("speaker_server", url=url)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None


class _Server(Protocol):
    async def stop(self) -> None: ...


def speaker_service(runtime: Runtime) -> Service | None:
    if runtime.options.port == 0:
        return None
    return SpeakerService(runtime.options.bind, runtime.options.port)


ServiceFactory = Callable[[Runtime], "Service | None"]
SERVICE_FACTORIES: list[ServiceFactory] = [speaker_service]


# ---------------------------------------------------------------- building the run


def load(path: Path) -> Programme:
    from timekeeper.programme.loader import load_programme

    try:
        return load_programme(path)
    except OSError as exc:
        raise ProgrammeError(f"{path}: {exc.strerror or exc}") from None


def check_speed(speed: float | None) -> float:
    if speed is None:
        return 1.0
    if not math.isfinite(speed) or not SPEED_MIN <= speed <= SPEED_MAX:
        raise UsageError(
            f"--speed must be a factor from {SPEED_MIN:g} to {SPEED_MAX:g}, e.g. 10 (got {speed:g})"
        )
    return speed


def parse_at(text: str, programme: Programme) -> datetime:
    """`HH:MM[:SS]` on the event date in the event's timezone, or a full ISO 8601 datetime."""
    event = programme.event
    hint = (
        f"--at: cannot read {text!r}: give HH:MM[:SS] (on {event.date.isoformat()}, "
        f"{event.timezone}) or an ISO 8601 date and time like {event.date.isoformat()}T16:09:30"
    )
    match = TIME_OF_DAY.fullmatch(text.strip())
    try:
        if match:
            hour, minute, second = (int(g) if g else 0 for g in match.groups())
            return datetime.combine(event.date, time(hour, minute, second), tzinfo=programme.tz)
        parsed = pendulum.parse(text.strip(), exact=True, tz=event.timezone)
    except ValueError:
        raise UsageError(hint) from None
    if not isinstance(parsed, pendulum.DateTime):
        raise UsageError(hint)
    return datetime.fromtimestamp(parsed.timestamp(), tz=UTC)


def make_clock(
    options: RunOptions, programme: Programme, real: Clock | None = None
) -> tuple[Clock, RunMode, datetime]:
    """The live clock, or a pretend one for a rehearsal (--dry-run, --at, --speed); and its start.

    `--speed` without `--at` starts where a dry run without `--at` starts.
    """
    speed = check_speed(options.speed)
    real = real or SystemClock()
    pretend = options.at is not None or options.speed is not None
    if not pretend and not options.dry_run:
        return real, RunMode.LIVE, real.now()
    mode = RunMode.DRY if options.dry_run else RunMode.DRESS
    if options.at is not None:
        start = parse_at(options.at, programme)
    elif real.now().astimezone(programme.tz).date() == programme.event.date:
        start = real.now()  # on the day: rehearse from the real time of day
    else:
        start = programme.start - DRY_RUN_LEAD  # any other day: watch the show begin
    return SimulatedClock(start, speed), mode, start


def build_runtime(options: RunOptions) -> Runtime:
    """Programme, clock, as-run log (fresh or resumed), session, and the services around it."""
    from timekeeper.asrun import start_run

    programme = load(options.programme)
    clock, mode, started_at = make_clock(options, programme)
    holder: list[Runtime] = []
    run = start_run(
        programme,
        clock=clock,
        real_clock=SystemClock(),
        mode=mode.value,
        rehearsal=mode is not RunMode.LIVE or clock.simulated,
        log_path=options.log,
        # --at asks for a pretend time: a new rehearsal there, not the last one resumed
        fresh=options.fresh or options.at is not None,
        on_health=lambda health: holder[0].log_health(health) if holder else None,
        autopilot=options.headless,  # while it was down, its autopilot would have moved on
    )
    session = ShowSession(
        programme,
        run.clock,
        mode,
        state=run.state,
        autopilot=options.headless,
        catch_up=run.resumed is None,
    )
    session.message = run.message
    session.subscribe(run.log.record_events)
    runtime = Runtime(programme, session, options, started_at, asrun=run)
    holder.append(runtime)
    runtime.diagnostics = diagnostics.path_for(Path(run.path))
    secrets = [os.environ.get(name, "") for name in _secret_variables(programme)]
    runtime.diagnostics_handler = diagnostics.install(runtime.diagnostics, secrets)
    session.on_failure = runtime.internal_error
    for factory in SERVICE_FACTORIES:
        service = factory(runtime)
        if service is not None:
            runtime.services.append(service)
    return runtime


def clock_service(runtime: Runtime) -> Service:
    """The machine's time sync, at start and every minute (runtime/clockcheck.py)."""
    from timekeeper.runtime.clockcheck import ClockCheck

    def record(rec: Mapping[str, object]) -> None:  # not Runtime.record: not an OBS record
        if runtime.asrun is not None:
            runtime.asrun.log.append(dict(rec))
        data = {k: v for k, v in rec.items() if k not in ("event", "at")}
        runtime.notice(str(rec["event"]), **data)

    return ClockCheck(runtime.session.clock, on_record=record)


SERVICE_FACTORIES.append(clock_service)


def obs_service(runtime: Runtime) -> Service | None:
    """OBS: always built (its panel says "not configured" when the programme has no obs:)."""
    from timekeeper.runtime.clockcheck import ClockCheck
    from timekeeper.runtime.obs_service import ObsService
    from timekeeper.ui.obspanel import describe_obs

    run = runtime.asrun
    service = ObsService(
        runtime.session,
        url_override=runtime.options.obs_url,
        done_keys=run.done_keys if run is not None else (),
        on_record=runtime.record,
    )
    if not service.configured:
        return None
    check = next((s for s in runtime.services if isinstance(s, ClockCheck)), None)
    tz = runtime.programme.tz
    runtime.obs_status = lambda: describe_obs(
        service.controller.status, tz, check.report if check is not None else None
    )
    runtime.obs_command = service.command
    return service


SERVICE_FACTORIES.append(obs_service)


# ---------------------------------------------------------------- front ends


def run_run(args: argparse.Namespace) -> int:
    options = RunOptions.from_args(args)
    check_speed(options.speed)  # a usage error before the programme is even read
    runtime = build_runtime(options)
    try:
        if options.headless:
            return asyncio.run(run_headless(runtime, sys.stdout))
        return asyncio.run(run_dashboard(runtime))
    finally:
        runtime.close()


async def run_dashboard(runtime: Runtime) -> int:
    """The dashboard first (the operator sees the show at once), then the services beside it."""
    from timekeeper.ui.app import TimekeeperApp  # Textual only when there is a dashboard

    services_up = asyncio.Event()

    async def scheduler() -> None:
        await services_up.wait()  # the services see the show's first tick
        await runtime.session.run()

    app = TimekeeperApp(
        runtime.session,
        obs_status=runtime.read_obs_status,
        obs_command=runtime.obs_command,
        runner=scheduler,
    )
    runtime.listeners.append(lambda note: app.notice(note.event, note.data))
    runtime.announce_log()
    shown = asyncio.create_task(app.first_frame.wait())
    running = asyncio.create_task(app.run_async())
    await asyncio.wait({shown, running}, return_when=asyncio.FIRST_COMPLETED)
    shown.cancel()
    async with runtime.services_running():
        services_up.set()
        await running
    if app.return_code:  # the dashboard itself died: say so, and let a supervisor restart it
        log.error("the dashboard stopped on an error", exc_info=app._exception)
        where = f" (traceback in {runtime.diagnostics})" if runtime.diagnostics else ""
        print(
            f"timekeeper: the dashboard stopped on an internal error{where}; the as-run log "
            "is closed: run the same command again to resume the show",
            file=sys.stderr,
        )
        return DASHBOARD_CRASHED
    return 0


class JsonLines:
    """One JSON object per line, flushed at once; a closed pipe stops the run quietly."""

    def __init__(self, stream: IO[str], on_closed: Callable[[], None]) -> None:
        self.stream = stream
        self.on_closed = on_closed
        self.closed = False

    def write(self, data: Mapping[str, object]) -> None:
        if self.closed:
            return
        try:
            self.stream.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self.closed = True
            with contextlib.suppress(OSError, ValueError):  # no error again at exit's flush
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            self.on_closed()

    def events(self, events: list[ShowEvent], tz: tzinfo) -> None:
        """Show events with their instants in the event's timezone (as --at reads them)."""
        for event in events:
            self.write({**event.to_json(), "at": event.at.astimezone(tz).isoformat()})


async def run_headless(runtime: Runtime, stream: IO[str]) -> int:
    """Run the show without a dashboard until its last slot ends, or SIGINT/SIGTERM (exit 0)."""
    stop = asyncio.Event()
    out = JsonLines(stream, stop.set)
    out.write(runtime.run_started())
    runtime.session.subscribe(partial(out.events, tz=runtime.programme.tz))
    runtime.listeners.append(lambda note: out.write(note.to_json()))
    runtime.announce_log()
    loop = asyncio.get_running_loop()
    caught: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        caught.append(sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    show = asyncio.create_task(runtime.serve())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({show, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if show.done():
        stopped.cancel()
        show.result()  # a crash in the scheduler is not a clean end
        return 0
    show.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await show
    now = runtime.session.clock.now().astimezone(runtime.programme.tz)
    out.write({"at": now.isoformat(), "event": "stopped", "signal": ",".join(caught) or None})
    return 0
