"""How a room run with a broker is put together as one half of a standby pair (issue 24).

The assembly's pair half: `driver_pair` makes the room service of a run that drives from the
start (a room run without `--standby`: epoch 1, or its log's last epoch on a restart) into a
`PairService`; `build_standby` builds a whole `--standby` run: no log of its own (the copy of
the driver's, where its own log would be), a read-only session on what the copy holds, OBS
standing by, the speaker server serving the same show, and the pair that takes over. A
standby checks its clock from the start (after a takeover its clock drives the show) and
watches its programme file (an edit is refused while it stands by: its versions come with
the driver's log; once it drives, an edit is offered as on any run); what they record, and
the log's retry, go to the log its pair drives once it drives (never into the copy before).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from timekeeper.app import diagnostics
from timekeeper.app.clockcheck import ClockCheck
from timekeeper.app.diagnostics import Diagnostics
from timekeeper.app.log_retry import LogRetry
from timekeeper.app.obs_records import ObsRecords
from timekeeper.app.obs_service import ObsService, identity_of
from timekeeper.app.pair import PairParts, PairService, Resume
from timekeeper.app.pair_steps import copy_path, followed
from timekeeper.app.programme_watch import ProgrammeWatch
from timekeeper.app.run import Runtime, Service, health_notice
from timekeeper.app.run_options import RunOptions, load, make_clock
from timekeeper.asrun import RunStart, read_log, start_run
from timekeeper.core.clock import SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.core.standby import last_epoch
from timekeeper.obs.status import Role, RunIdentity
from timekeeper.rooms.service import RoomService
from timekeeper.show.notices import ClockChecked, NoticeStream
from timekeeper.show.session import ShowSession


def driver_identity(session: ShowSession, run: RunStart) -> RunIdentity:
    """A room run's identity on OBS and the broker: a driver at its log's last epoch (1 new)."""
    try:
        epoch = last_epoch(read_log(run.path).records)
    except (OSError, ValueError):
        epoch = 0
    role = Role.WATCH if session.run_mode is RunMode.DRY else Role.DRIVER  # a dry run never drives
    return replace(identity_of(session), role=role, epoch=max(epoch, 1))


def _drivers(run: RunStart) -> frozenset[str]:
    """The run ids that drove this log: a restart's own earlier runs, whose retained `driver`
    value on the broker is no rival (a killed room run restarted stood down to itself)."""
    try:
        records = read_log(run.path).records
    except (OSError, ValueError):
        return frozenset()
    return frozenset(
        str(r["run_id"]) for r in records if r.get("event") == "driving" and "run_id" in r
    )


def room_of(options: RunOptions) -> RoomService | None:
    room = options.room
    if room is None or room.mqtt is None:
        return None
    return RoomService(room)


def driver_pair(
    options: RunOptions,
    session: ShowSession,
    notices: NoticeStream,
    records: ObsRecords,
    obs: ObsService | None,
    run: RunStart,
    identity: RunIdentity,
) -> PairService | None:
    """The pair of a room run that drives from the start (None: not a room with a broker)."""
    room = room_of(options)
    if room is None:
        return None
    parts = PairParts(room, identity, run.path, autopilot=options.headless, own=_drivers(run))
    return PairService(parts, session, notices, records, obs, run=run,
                       resume=_resumer(options, session.programme, notices))  # fmt: skip


def _resumer(options: RunOptions, programme: Programme, notices: NoticeStream) -> Resume:
    room = options.room

    def resume(path: Path) -> RunStart:
        clock, run_mode, _ = make_clock(options, programme)
        return start_run(
            programme,
            clock=clock,
            real_clock=SystemClock(),
            mode=run_mode.value,
            rehearsal=run_mode is not RunMode.LIVE or clock.simulated,
            log_path=path,
            on_health=lambda health: notices.tell(health_notice(health)),
            autopilot=options.headless,
            room=room.room if room is not None else None,
            venue=room.venue if room is not None else None,
            ended_too=True,  # the driver died after the end: its last outputs are still ours
        )

    return resume


def build_standby(
    options: RunOptions, secret_names: list[str], more: tuple[Service | None, ...]
) -> Runtime:
    """A `--standby` run (options resolved): see the module docstring. `more`: the speaker
    server and the OSC input, as for any run."""
    room = room_of(options)
    assert room is not None and options.room is not None  # RunOptions.check, resolve_room
    programme = load(options.programme)
    clock, mode, started_at = make_clock(options, programme)
    rehearsal = mode is not RunMode.LIVE or clock.simulated
    path = copy_path(programme, mode.value, rehearsal, options.log, options.room.venue,
                     options.room.room)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    held = followed(path, programme, clock, SystemClock()) if path.exists() else None
    state = held.state if held is not None else None
    notices = NoticeStream()
    secrets = [os.environ.get(name, "") for name in secret_names]
    logged = Diagnostics.open(diagnostics.path_for(path), secrets)
    session = ShowSession(
        state.programme if state is not None else programme,
        held.clock if held is not None else clock,
        mode,
        state=state,
        catch_up=False,
        on_failure=lambda where, exc: notices.tell(logged.internal_error(where, exc)),
    )
    records = ObsRecords(session, None, notices)
    identity = replace(identity_of(session), role=Role.STANDBY, epoch=0)
    obs = ObsService(session, url_override=options.obs_url, done_keys=(),
                     on_record=records.record, allow_live_outputs=options.allow_live_outputs,
                     announce=identity)  # fmt: skip
    obs_service = obs if obs.configured else None
    parts = PairParts(room, identity, path, armed=options.armed, delay=options.takeover_delay,
                      kind=(mode.value, rehearsal),
                      autopilot=options.headless)  # fmt: skip
    pair = PairService(parts, session, notices, records, obs_service, run=None,
                       resume=_resumer(options, programme, notices))  # fmt: skip
    watch = ProgrammeWatch(session, notices, options.programme)  # (edits: once it drives)
    retry = LogRetry(lambda: pair.run.log if pair.run is not None else None)

    def clocked(rec: Mapping[str, object]) -> None:  # logged once it drives (the copy is theirs)
        if pair.run is not None:
            pair.run.log.append(dict(rec))
        notices.tell(ClockChecked.of(rec))

    clock_check = ClockCheck(session.clock, on_record=clocked)
    services = (more[0], clock_check, retry, obs_service, watch, pair, *more[1:])
    return Runtime(
        session,
        options,
        started_at,
        notices,
        records,
        own_log=None,
        diagnostics=logged,
        obs=obs_service,
        watch=watch,
        services=tuple(s for s in services if s is not None),
        pair=pair,
    )
