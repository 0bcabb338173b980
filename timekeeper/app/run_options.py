"""What `timekeeper run` was asked for: the typed options, the programme they name, and the clock.

`RunOptions` is the command line, typed; `make_clock` turns it into the live
clock or a pretend one for a rehearsal (--dry-run, --at, --speed) and says where
that clock starts; `resolve_room` turns a venue file into the room's programme and
broker. Nothing here starts a service or writes a file.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pendulum

from timekeeper.cliargs import SPEED_MAX, SPEED_MIN
from timekeeper.core.clock import Clock, SimulatedClock, SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.core.standby import TAKEOVER_DELAY
from timekeeper.errors import ProgrammeError, UsageError
from timekeeper.rooms.model import DEFAULT_PASSWORD_ENV, DEFAULT_USERNAME_ENV
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.venue import is_venue_file, load_venue
from timekeeper.speaker.urls import DEFAULT_PORT

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
    allow_live_outputs: bool = False  # a dress rehearsal may switch scenes over a live output
    allow_hosts: tuple[str, ...] = ()  # Host names the server answers to besides its own
    control: bool = False  # the control API on the speaker server (needs the token)
    osc_port: int | None = None  # OSC input on this UDP port (None: none)
    osc_bind: str = "127.0.0.1"
    accept_changes: bool = False  # headless: every valid edit of the programme file is accepted
    room: RoomOptions | None = None  # --room/--mqtt/--venue: one room of a venue (rooms/)
    standby: str | None = None  # --standby: "auto" | "armed" (None: this run drives)
    takeover_delay: float = TAKEOVER_DELAY  # --takeover-delay: the standby's

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
            allow_live_outputs=bool(getattr(args, "allow_live_outputs", False)),
            allow_hosts=tuple(getattr(args, "allow_host", None) or ()),
            control=bool(getattr(args, "control", False)),
            osc_port=getattr(args, "osc", None),
            osc_bind=str(getattr(args, "osc_bind", "127.0.0.1")),
            accept_changes=bool(getattr(args, "accept_changes", False)),
            room=RoomOptions.from_args(args),
            standby=getattr(args, "standby", None),
            takeover_delay=_delay(getattr(args, "takeover_delay", None)),
        )

    def check(self) -> None:
        """Flags that only make sense together (a usage error before anything is read)."""
        if self.accept_changes and not self.headless:
            raise UsageError(
                "--accept-changes is for --headless runs; the dashboard shows each change "
                "and asks (y accepts)"
            )
        if self.standby is None:
            if self.takeover_delay != TAKEOVER_DELAY:
                raise UsageError("--takeover-delay is for a --standby run")
            return
        if self.dry_run:  # why: see docs/standby.md, "A dry run is never a standby"
            raise UsageError(
                "--standby cannot be a --dry-run: a standby exists to drive OBS when the driver "
                "is gone, and a dry run never does; rehearse the pair with --at/--speed"
            )
        if self.room is None:
            raise UsageError(
                "--standby needs a room and its broker: --room NAME --mqtt mqtt://HOST[:PORT] "
                "(or a venue file and --room): the standby follows the driver through it"
            )
        if self.fresh:
            raise UsageError(
                "--standby cannot start --fresh: its log is the driver's, copied as it is"
            )

    @property
    def armed(self) -> bool:
        """A standby that takes over only on its operator's key."""
        return self.standby == "armed"


def _delay(value: float | None) -> float:
    return TAKEOVER_DELAY if value is None else float(value)


def load(path: Path) -> Programme:
    from timekeeper.programme.loader import load_programme  # deferred: pydantic, for a run

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


def run_mode(options: RunOptions) -> RunMode:
    """The kind of run the flags ask for, before the programme is read: a dry run
    (--dry-run), a dress rehearsal on a pretend clock (--at/--speed), else the live show."""
    if options.dry_run:
        return RunMode.DRY
    if options.at is not None or options.speed is not None:
        return RunMode.DRESS
    return RunMode.LIVE


def make_clock(
    options: RunOptions, programme: Programme, real: Clock | None = None
) -> tuple[Clock, RunMode, datetime]:
    """The live clock, or a pretend one for a rehearsal (--dry-run, --at, --speed); and its start.

    `--speed` without `--at` starts where a dry run without `--at` starts.
    """
    speed = check_speed(options.speed)
    real = real or SystemClock()
    mode = run_mode(options)
    if mode is RunMode.LIVE:
        return real, RunMode.LIVE, real.now()
    if options.at is not None:
        start = parse_at(options.at, programme)
    elif real.now().astimezone(programme.tz).date() == programme.event.date:
        start = real.now()  # on the day: rehearse from the real time of day
    else:
        start = programme.start - DRY_RUN_LEAD  # any other day: watch the show begin
    return SimulatedClock(start, speed), mode, start


def resolve_room(options: RunOptions) -> RunOptions:
    """The run's programme and room: a venue file becomes its room's programme and broker;
    a combination that cannot work is one line, exit 2, before anything is opened."""
    room = options.room
    if not is_venue_file(options.programme):
        if room is None:
            return options
        if room.mqtt is None:
            raise UsageError(
                "--room needs a venue file (timekeeper run venue.yaml --room NAME) or a broker "
                "(--mqtt mqtt://HOST:PORT)"
            )
        if room.room is None:
            raise UsageError("--mqtt needs --room NAME: the room this programme runs in")
        return options
    venue = load_venue(options.programme)
    if room is None or room.room is None:
        names = ", ".join(repr(r.name) for r in venue.rooms)
        raise UsageError(f"{options.programme} is a venue: pass --room NAME (one of {names})")
    chosen = venue.room(room.room)
    mqtt = venue.mqtt
    resolved = RoomOptions(
        room=chosen.name,
        mqtt=room.mqtt or (mqtt.url if mqtt else None),
        venue=room.venue or venue.name,
        commands=chosen.commands,
        username_env=mqtt.username_env if mqtt else DEFAULT_USERNAME_ENV,
        password_env=mqtt.password_env if mqtt else DEFAULT_PASSWORD_ENV,
        ca_file=str(Path(venue.source).parent / mqtt.ca_file) if mqtt and mqtt.ca_file else None,
    )
    if options.standby is not None and resolved.mqtt is None:
        raise UsageError(f"--standby needs a broker: {options.programme} names none (mqtt.url)")
    return replace(options, programme=chosen.programme, room=resolved)
