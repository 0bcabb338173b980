"""How a run is put together: programme, clock, as-run log, session, and its services.

The composition root: the only module that knows every service. `build_runtime()`
builds everything in order, synchronously (so a service that must see every
ShowEvent, like the as-run log, subscribes before the first tick), and then one
frozen `Runtime` holding it all: no part is filled in later. The notice stream
comes first (the as-run log reports its health through it as it opens); a service
factory returns None when its service is not wanted (no speaker port, no `obs:`).
Headless runs have nobody at the keys: their session runs on autopilot (manual
slots and turns move on at their deadlines, logged as operator moves).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from timekeeper.app import diagnostics
from timekeeper.app.clockcheck import ClockCheck
from timekeeper.app.diagnostics import Diagnostics
from timekeeper.app.log_retry import LogRetry
from timekeeper.app.obs_records import ObsRecords
from timekeeper.app.obs_service import ObsService
from timekeeper.app.output_guard import refuse_live_outputs
from timekeeper.app.programme_watch import ProgrammeWatch
from timekeeper.app.run import Runtime, Service, health_notice
from timekeeper.app.run_options import RunOptions, load, make_clock, resolve_room, run_mode
from timekeeper.asrun import RunStart, locate, start_run, versions
from timekeeper.asrun.errors import AsRunError
from timekeeper.asrun.recover import last_version
from timekeeper.core.clock import SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.errors import ProgrammeError, UsageError
from timekeeper.obs.status import RunIdentity
from timekeeper.show.notices import ClockChecked, NoticeStream
from timekeeper.show.session import ShowSession
from timekeeper.speaker.notices import SpeakerServerStarted


class SpeakerService:
    """The speaker-screen server (`timekeeper speaker` and browsers follow it)."""

    name = "speaker_server"

    def __init__(
        self, host: str, port: int, allow_hosts: tuple[str, ...] = (), control: bool = False
    ) -> None:
        self.host, self.port, self.allow_hosts = host, port, allow_hosts
        self.control = control
        self._server: _Server | None = None

    async def start(self, runtime: Runtime) -> None:
        try:
            from timekeeper.speaker.server import SpeakerServer  # deferred: aiohttp, if wanted
        except ImportError as exc:
            raise UsageError(f"speaker screens are not available: {exc}") from None
        extensions = []
        if self.control:  # the control API on the same server, behind the same trust checks
            from timekeeper.control.service import control_api  # deferred: only with --control

            extensions.append(control_api(runtime, self.host).install)
        server = SpeakerServer(
            runtime.session,
            self.host,
            self.port,
            allow_hosts=self.allow_hosts,
            extensions=extensions,
        )
        url = await server.start()
        self._server = server
        runtime.tell(SpeakerServerStarted(url=url, control=self.control or None))

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None


class _Server(Protocol):
    async def stop(self) -> None: ...


def speaker_service(options: RunOptions) -> Service | None:
    if options.port == 0:
        return None
    return SpeakerService(options.bind, options.port, options.allow_hosts, options.control)


def clock_service(session: ShowSession, run: RunStart, notices: NoticeStream) -> ClockCheck:
    """The machine's time sync, at start and every minute (app/clockcheck.py)."""

    def record(rec: Mapping[str, object]) -> None:  # not an OBS record: never merged
        run.log.append(dict(rec))
        notices.tell(ClockChecked.of(rec))

    return ClockCheck(session.clock, on_record=record)


def obs_service(
    session: ShowSession,
    options: RunOptions,
    run: RunStart,
    records: ObsRecords,
    identity: RunIdentity | None = None,
) -> ObsService | None:
    """OBS, when the programme names it (else the panel says "not configured")."""
    service = ObsService(
        session,
        url_override=options.obs_url,
        done_keys=run.done_keys,
        on_record=records.record,
        allow_live_outputs=options.allow_live_outputs,
        announce=identity,
    )
    return service if service.configured else None


def osc_service(options: RunOptions) -> Service | None:
    """OSC input (`--osc PORT`): the same actions as the control API, over UDP."""
    if options.osc_port is None:
        return None
    from timekeeper.control.service import OscService  # deferred: python-osc

    return OscService(options.osc_bind, options.osc_port)


def _restart_notes(options: RunOptions, run: RunStart, invalid: ProgrammeError | None) -> list[str]:
    """What the resume line adds about the command typed: --at not used, the file invalid."""
    notes = []
    if run.resumed is not None and options.at is not None:
        notes.append(
            f"--at {options.at} is not used: the rehearsal goes on at its own pretend time "
            "(--fresh starts it over)"
        )
    if invalid is not None:
        notes.append(
            f"{options.programme} cannot be read as it is now (its errors follow): the show "
            "goes on with the version it last ran under, kept beside the log; save a fixed "
            "file and the change is offered"
        )
    return notes


def _secret_variables(programme: Programme, options: RunOptions) -> list[str]:
    """The environment variables whose values must never be written anywhere."""
    names = [programme.obs.password_env] if programme.obs and programme.obs.password_env else []
    if options.room is not None and options.room.mqtt is not None:
        names.append(options.room.password_env)  # the venue broker's password
    names.append("TIMEKEEPER_CONTROL_TOKEN")  # the control API's token (`--control`)
    return [name for name in names if name]


def programme_or_kept(options: RunOptions) -> tuple[Programme, ProgrammeError | None]:
    """The programme file, or, when it cannot be read but an unfinished run of it is logged,
    the version that run last ran under (kept beside its log) with the file's error.

    Why: the show must come back after a crash whatever the file holds by then (a typo
    saved mid-show); the file's errors are shown as for a live edit, and the fixed file is
    offered as a change once saved. `--fresh`, or no run to resume: the error stands.
    """
    try:
        return load(options.programme), None
    except ProgrammeError as exc:
        if options.fresh:
            raise
        error = exc
    mode = run_mode(options)
    room = options.room.room if options.room is not None else None
    show = locate.ShowKey.of(options.programme, mode.value, mode is not RunMode.LIVE, room)
    try:
        contents = locate.unfinished(show, options.log.expanduser() if options.log else None)
    except AsRunError as exc:  # both need fixing: say both at once
        raise ProgrammeError(f"{error}\nThe run to resume cannot be read either: {exc}") from None
    sha = last_version(contents) if contents is not None else None
    kept = versions.load(contents.path, sha) if contents is not None and sha else None
    if kept is None:
        raise error
    return replace(kept, source=str(options.programme)), error


def build_runtime(options: RunOptions) -> Runtime:
    """Programme, clock, as-run log (fresh or resumed), session, and the services around it,
    each built once, in order, into one frozen record."""
    if options.control:  # refused before anything is read or written
        from timekeeper.control.service import check_control  # deferred: only with --control

        check_control(options.port, os.environ)
    options = resolve_room(options)  # a venue file: its room's programme and broker
    if options.standby is not None:  # no log of its own: the copy of the driver's
        from timekeeper.app.pair_assembly import build_standby  # deferred: aiomqtt

        names = _secret_variables(load(options.programme), options)
        return build_standby(options, names, (speaker_service(options), osc_service(options)))
    programme, invalid = programme_or_kept(options)
    clock, mode, started_at = make_clock(options, programme)
    refuse_live_outputs(
        programme, mode, url_override=options.obs_url, allow=options.allow_live_outputs
    )
    notices = NoticeStream()  # first: the as-run log reports its health through it
    room = options.room
    run = start_run(
        programme,
        clock=clock,
        real_clock=SystemClock(),
        mode=mode.value,
        rehearsal=mode is not RunMode.LIVE or clock.simulated,
        log_path=options.log,
        # the command that crashed is the command that resumes: --at too (a rehearsal
        # goes on at its own pretend time); --fresh starts over
        fresh=options.fresh,
        on_health=lambda health: notices.tell(health_notice(health)),
        autopilot=options.headless,  # while it was down, its autopilot would have moved on
        room=room.room if room is not None else None,
        venue=room.venue if room is not None else None,
    )
    run = replace(run, notes=(*run.notes, *_restart_notes(options, run, invalid)))
    programme = run.state.programme  # a resumed run goes on with the version it logged last
    secrets = [os.environ.get(name, "") for name in _secret_variables(programme, options)]
    logged = Diagnostics.open(diagnostics.path_for(Path(run.path)), secrets)
    session = ShowSession(
        programme,
        run.clock,
        mode,
        state=run.state,
        autopilot=options.headless,
        catch_up=run.resumed is None,
        on_failure=lambda where, exc: notices.tell(logged.internal_error(where, exc)),
    )
    session.message = run.message
    session.subscribe(run.log.record_events)
    offered = run.resumed.offered if run.resumed is not None else None
    if invalid is not None:  # the watch checks the file at start: its errors, as for an edit
        offered = programme
    records = ObsRecords(session, run, notices)
    pair, identity = None, None
    if options.room is not None and options.room.mqtt is not None:  # a pair's first driver
        from timekeeper.app.pair_assembly import driver_identity, driver_pair  # deferred: aiomqtt

        identity = driver_identity(session, run)
    obs = obs_service(session, options, run, records, identity)
    if identity is not None:
        pair = driver_pair(options, session, notices, records, obs, run, identity)
    watch = ProgrammeWatch(session, notices, options.programme, offered=offered is not None)
    services = (
        speaker_service(options),
        clock_service(session, run, notices),
        LogRetry(run.log),
        obs,
        watch,
        pair,  # (the room's service is the pair's: it publishes only while this run drives)
        osc_service(options),
    )
    return Runtime(
        session,
        options,
        started_at,
        notices,
        records,
        own_log=run,
        diagnostics=logged,
        obs=obs,
        watch=watch,
        services=tuple(s for s in services if s is not None),
        offered=offered,
        pair=pair,
    )
