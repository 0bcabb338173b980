"""One run: a frozen record of the programme, its session, and the services around the show.

Both front ends (the dashboard and `--headless`) share a `Runtime`; they differ only
in how they show what happens. A *service* (OBS director, clock check, speaker
server) starts before the show's scheduler ticks and stops after it; it reports
through the run's notice stream (`show.notices`), to which the front ends subscribe.
The record is built once, complete, by `app.assembly.build_runtime` (the only module
that knows every service); what the front ends use of a service is a typed handle on
it (`obs`: `show.handle.ObsHandle`; `watch`: the programme watch's re-read). Its mutable
parts each have an owner of their own: the OBS repeat book (`app.obs_records`), the
diagnostics log (`app.diagnostics.Diagnostics`).

Quitting is bounded: the scheduler is cancelled until it ends, and the services are
stopped all at once within `STOP_WITHIN` seconds (then cancelled until they end), so
`q` `y` or SIGTERM ends the program within two seconds whatever OBS, the broker or
the speaker screens are doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from timekeeper.app.diagnostics import Diagnostics
from timekeeper.app.obs_records import ObsRecords
from timekeeper.app.run_options import RunOptions
from timekeeper.core.programme import Programme
from timekeeper.errors import TimekeeperError
from timekeeper.show.handle import ObsHandle
from timekeeper.show.notices import (
    AsRunLogFailing,
    AsRunLogOpened,
    AsRunLogWriting,
    Notice,
    NoticeStream,
    ObsCommandDone,
    Resumed,
    ServiceFailed,
    ServiceStopFailed,
)
from timekeeper.show.session import ShowSession
from timekeeper.tasks import stop_task

log = logging.getLogger(__name__)

STOP_WITHIN = 1.5  # seconds for the services to stop (all at once) when the operator quits
ENDED_STOP_WITHIN = 6.0  # when the show has ended: OBS may still confirm the last outputs
STOP_GRACE = 0.2  # seconds a service that ran out of time has to end once cancelled
SCHEDULER_STOP_WITHIN = 0.3

if TYPE_CHECKING:
    from timekeeper.app.pair import PairService
    from timekeeper.asrun import LogHealth, RunStart
    from timekeeper.obs.status import ObsStatus


class Service(Protocol):
    """Runs beside the show (OBS director, as-run log, speaker server).

    `start()` gets the run and must return promptly (long work, like reconnecting, goes in
    the service's own task); raising a TimekeeperError or OSError there is reported as
    `<name>_failed` and the show runs on without the service.
    """

    name: str

    async def start(self, runtime: Runtime) -> None: ...

    async def stop(self) -> None: ...


class Reread(Protocol):
    """The programme watch as the front ends use it: check the file now (the p key)."""

    def reread(self) -> object: ...


@dataclass(frozen=True, slots=True)
class Runtime:
    """One run, assembled once (`app.assembly.build_runtime`): programme, session, options,
    its as-run log, its services and the typed handles of those the front ends use."""

    session: ShowSession
    options: RunOptions
    started_at: datetime  # the clock's first reading
    notices: NoticeStream  # what the run reports; front ends subscribe
    obs_records: ObsRecords  # OBS's records: the log, then the front ends (repeats merged)
    own_log: RunStart | None = None  # the log this run opened (None: not logging; a standby)
    diagnostics: Diagnostics | None = None  # internal errors with tracebacks, beside the log
    obs: ObsHandle | None = None  # the OBS service (None: the programme names no OBS)
    watch: Reread | None = None  # the programme watch
    services: tuple[Service, ...] = ()
    # the programme file differs from the version resumed (an edit, or an invalid file: the
    # version resumed then): the watch checks the file as it starts and shows what it holds
    offered: Programme | None = None
    pair: PairService | None = None  # a room run with a broker: drives or stands by (issue 24)

    @classmethod
    def of(
        cls,
        session: ShowSession,
        options: RunOptions,
        started_at: datetime,
        *,
        asrun: RunStart | None = None,
        notices: NoticeStream | None = None,
        obs: ObsHandle | None = None,
        services: tuple[Service, ...] = (),
    ) -> Runtime:
        """A run of `session` without the assembly (tests, benches): its own notice stream."""
        stream = NoticeStream() if notices is None else notices
        records = ObsRecords(session, asrun, stream)
        return cls(session, options, started_at, stream, records, asrun, obs=obs, services=services)

    @property
    def programme(self) -> Programme:
        """The version in effect: a revision replaces it."""
        return self.session.programme

    @property
    def asrun(self) -> RunStart | None:
        """The log the show is written to now: in a standby pair, the one its pair drives
        (after a takeover, the copy resumed; standing by, none), else the run's own."""
        return self.pair.run if self.pair is not None else self.own_log

    def tell(self, notice: Notice) -> None:
        """Tell the front ends (a dashboard log line, a headless JSON line)."""
        self.notices.tell(notice)

    def obs_act(self, name: str, source: str) -> str:
        """An operator's OBS command ("resend" the live scene, toggle "auto" switching) with who
        asked (`keyboard`, `api:<client>`, `osc`): done, logged, and what it did returned."""
        if self.obs is None:
            return "OBS is not configured for this programme"
        if self.session.read_only is not None:
            return f"not now: {self.session.read_only}"
        result = self.obs.command(name)
        now = self.session.clock.now().astimezone(self.programme.tz).isoformat()
        rec = {"event": "obs_command", "at": now, "command": name, "source": source}
        if self.asrun is not None:
            self.asrun.log.append({**rec, "result": result})
        self.tell(ObsCommandDone(command=name, by=source, message=result))
        return result

    def announce_log(self) -> None:
        """Where this run is logged, or what was resumed from where."""
        if self.asrun is not None:
            resumed = self.asrun.resumed is not None
            now = self.session.clock.now()
            if resumed:  # where the show is now: a slow start-up may have passed boundaries
                lines = self.asrun.lines(*self.session.due(now))
            else:
                lines = [str(self.asrun.path), *self.asrun.lines()[1:]]  # the event names it
            kind = Resumed if resumed else AsRunLogOpened
            self.tell(
                kind(
                    at=now.astimezone(self.programme.tz).isoformat(),  # the instant it describes
                    path=str(self.asrun.path),
                    message=" | ".join(lines),
                )
            )

    def _clock_start(self) -> datetime:
        """Where the clock started: --at's time, or where a resumed rehearsal carries on."""
        if self.asrun is not None and self.asrun.resumed is not None:
            return self.asrun.resumed.at
        return self.started_at

    def close(self) -> None:
        """Close the as-run log (raises LogWriteError if records had to be rescued), then
        the diagnostics log."""
        try:
            if self.pair is not None:
                self.pair.close()  # the log a takeover opened
            if self.own_log is not None:
                self.own_log.log.close()
        finally:
            if self.diagnostics is not None:
                self.diagnostics.close()

    def read_obs_status(self) -> ObsStatus | None:
        """The OBS controller's status; None: no OBS configured."""
        return None if self.obs is None else self.obs.status()

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
        """Start every service (skipping those that fail); stop them all after, bounded."""
        started: list[Service] = []
        try:
            for service in self.services:
                try:
                    await service.start(self)
                except (TimekeeperError, OSError) as exc:
                    self.tell(ServiceFailed(service=service.name, error=str(exc)))
                else:
                    started.append(service)
            yield
        finally:
            # the pair stops last: a driver closes its log there and sends the last records on
            last: list[Service] = [s for s in started if s is self.pair]
            await self._stop_services([s for s in started if s is not self.pair])
            self.obs_records.flush()
            await self._stop_services(last)

    async def _stop_services(self, started: list[Service]) -> None:
        """Every service's stop at once, each in its own task, all within one bound: one that
        fails or hangs is named, and the others stop all the same."""
        within = ENDED_STOP_WITHIN if self.session.ended else STOP_WITHIN
        loop = asyncio.get_running_loop()
        stops = {loop.create_task(_stop(s), name=f"stopping {s.name}"): s for s in started}
        if not stops:
            return
        await asyncio.wait(stops, timeout=within)
        late = [task for task in stops if not task.done()]
        for task in late:
            task.cancel()
        for task, service in stops.items():
            if task in late:
                await stop_task(task, STOP_GRACE, task.get_name())
                error = f"not stopped within {within} s"
                self.tell(ServiceStopFailed(service=service.name, error=error))
            elif not task.cancelled() and task.exception() is not None:
                error = str(task.exception())
                self.tell(ServiceStopFailed(service=service.name, error=error))

    async def run_show(self) -> None:
        """The show's scheduler until the last slot has ended, stoppable for sure: it runs in
        its own task, and a cancel of this coroutine cancels it until it ends (the scheduler's
        `wait_for` can swallow one cancel on Python 3.11)."""
        show = asyncio.get_running_loop().create_task(self.session.run(), name="show-scheduler")
        try:
            await asyncio.wait({show})
        except asyncio.CancelledError:
            await stop_task(show, SCHEDULER_STOP_WITHIN, "the show scheduler")
            raise
        show.result()

    async def serve(self) -> None:
        """The show with its services, until the last slot has ended."""
        async with self.services_running():
            await self.run_show()


async def _stop(service: Service) -> None:
    await service.stop()


def health_notice(health: LogHealth) -> Notice:
    """The as-run log could not write (disk full, removed), or writes again: said loudly."""
    return AsRunLogWriting() if health.ok else AsRunLogFailing(error=health.describe())
