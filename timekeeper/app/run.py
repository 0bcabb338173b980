"""One run: the programme, its session, and the services around the show (`Runtime`).

Both front ends (the dashboard and `--headless`) share a `Runtime`; they differ only
in how they show what happens. A *service* (OBS director, as-run log, speaker
server) starts before the show's scheduler ticks and stops after it; it reports
through `Runtime.notice()` and can hand the dashboard an OBS status by setting
`Runtime.obs_status`. How a run is put together is `runtime.assembly`.

Quitting is bounded: the scheduler is cancelled until it ends, and the services are
stopped all at once within `STOP_WITHIN` seconds (then cancelled until they end), so
`q` `y` or SIGTERM ends the program within two seconds whatever OBS, the broker or
the speaker screens are doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from timekeeper.app import diagnostics
from timekeeper.app.run_options import RunOptions
from timekeeper.asrun.repeats import EventLogRepeats
from timekeeper.core.clock import SystemClock
from timekeeper.core.programme import Programme
from timekeeper.errors import TimekeeperError
from timekeeper.show.session import ShowSession
from timekeeper.tasks import stop_task

log = logging.getLogger(__name__)

STOP_WITHIN = 1.5  # seconds for the services to stop (all at once) when the operator quits
ENDED_STOP_WITHIN = 6.0  # when the show has ended: OBS may still confirm the last outputs
STOP_GRACE = 0.2  # seconds a service that ran out of time has to end once cancelled
SCHEDULER_STOP_WITHIN = 0.3

if TYPE_CHECKING:
    from timekeeper.asrun import LogHealth, RunStart
    from timekeeper.obs.controller import ObsStatus
    from timekeeper.show.changes import ChangeCheck

_REAL = SystemClock()  # the gap between repeats of an alarm is real time


@dataclass(frozen=True)
class Notice:
    """Something the runtime reports that is not a show event (a service's URL, a failure)."""

    event: str
    data: Mapping[str, object]
    update: bool = False  # only updates the line of a repeated alarm (headless skips it)

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
    obs_status: Callable[[], ObsStatus] | None = None  # set by the OBS service; polled per frame
    obs_command: Callable[[str], str] | None = None  # operator keys for OBS (resend, auto)
    listeners: list[Callable[[Notice], None]] = field(default_factory=list)
    asrun: RunStart | None = None  # the as-run log of this run (None: not logging)
    diagnostics: Path | None = None  # internal errors with tracebacks, next to the as-run log
    # the programme file differs from the version resumed (an edit, or an invalid file: the
    # version resumed then): the watch checks the file as it starts and shows what it holds
    offered: Programme | None = None
    change_listeners: list[Callable[[ChangeCheck], None]] = field(default_factory=list)
    reread: Callable[[], object] | None = None  # check the programme file now (the p key)

    repeats: EventLogRepeats | None = None  # repeated OBS alarms: one line (asrun.repeats)

    def notice(self, event: str, **data: object) -> None:
        """Tell the front end (a dashboard log line, a headless JSON line), stamped now
        (or with the ISO instant `at` given in `data`)."""
        self._tell(event, data)

    def _tell(self, event: str, data: Mapping[str, object], update: bool = False) -> None:
        now = self.session.clock.now().astimezone(self.programme.tz)
        note = Notice(event, {"at": now.isoformat(), **data}, update)
        for listener in list(self.listeners):
            try:
                listener(note)
            except Exception:  # a front end that cannot show a notice must not stop the show
                log.exception("a front end failed to show the notice %r", event)

    def record(self, record: Mapping[str, object]) -> None:
        """A record from a service (OBS): into the as-run log, and to the front end."""
        if self.asrun is not None:
            self.asrun.log.append(dict(record))
        event = str(record.get("event", "record"))
        if event == "text_set":
            return  # logged; the OBS panel shows it, the front end need not repeat it
        data = {k: v for k, v in record.items() if k != "event"}
        if self.repeats is None:
            self.repeats = EventLogRepeats(self.programme.tz)
        for shown in self.repeats.shown(event, data, self.session.clock.now(), _REAL.now()):
            self._tell(shown.event, {"source": "obs", **shown.data}, shown.update)

    def flush_repeats(self) -> None:
        """The run ends: sum up the alarms still repeating (one `repeated` line each)."""
        for shown in self.repeats.flush() if self.repeats is not None else []:
            self.notice(shown.event, source="obs", **shown.data)

    def obs_act(self, name: str, source: str) -> str:
        """An operator's OBS command ("resend" the live scene, toggle "auto" switching) with who
        asked (`keyboard`, `api:<client>`, `osc`): done, logged, and what it did returned."""
        if self.obs_command is None:
            return "OBS is not configured for this programme"
        result = self.obs_command(name)
        now = self.session.clock.now().astimezone(self.programme.tz).isoformat()
        rec = {"event": "obs_command", "at": now, "command": name, "source": source}
        if self.asrun is not None:
            self.asrun.log.append({**rec, "result": result})
        self.notice("obs_command", command=name, by=source, message=result)
        return result

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
            now = self.session.clock.now()
            if resumed:  # where the show is now: a slow start-up may have passed boundaries
                lines = self.asrun.lines(*self.session.due(now))
            else:
                lines = [str(self.asrun.path), *self.asrun.lines()[1:]]  # the event names it
            self.notice(
                "resumed" if resumed else "as_run_log",
                at=now.astimezone(self.programme.tz).isoformat(),  # the instant it describes
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

    def read_obs_status(self) -> ObsStatus | None:
        """The OBS controller's status; None: no OBS configured."""
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
        """Start every service (skipping those that fail); stop them all after, bounded."""
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
            await self._stop_services(started)
            self.flush_repeats()

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
                self.notice(f"{service.name}_stop_failed", error=f"not stopped within {within} s")
            elif not task.cancelled() and task.exception() is not None:
                self.notice(f"{service.name}_stop_failed", error=str(task.exception()))

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
