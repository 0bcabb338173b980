"""The run's notices: what a run reports beside the show's own events, one frozen class per kind.

Owns `Notice` (the base: its kind name, its fields, its alarm data, its one-line `line()` and
its `to_json()` for a headless JSON line), `NoticeStream` (the one stream every emitter tells
and every front end subscribes to, in order) and the kinds the run itself and its services
emit. The kinds of the remote surfaces live beside their emitters (`control.notices`,
`rooms.notices`, `speaker.notices`), those of the programme file in `show.programme_notices`.

Every consumer dispatches on the class, never on a string; the kind name is only the
`event` key of the JSON line (kept as it was: tests and `bench/bench_chaos.py` read those
lines). A notice is of the instant it is told (read by whoever shows it) unless it carries
its own `at`. Show events (`core.engine.ShowEvent`, from `ShowSession.subscribe`) are typed
already and stay as they are. Whether a kind is an alarm is read from `core.alarms`: the one
table the as-run log's readers (below this layer, reading logs written before) share with
the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, tzinfo
from typing import ClassVar

from timekeeper.core.alarms import BY_KIND, Alarm

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Something a run reports that is not a show event (a service's URL, a failure)."""

    kind: ClassVar[str] = "notice"
    #: something beside the show failed: the dashboard says the show runs without it
    warns: ClassVar[bool] = False
    #: fields kept out of the JSON line (they only name the kind)
    hidden: ClassVar[frozenset[str]] = frozenset()

    at: datetime | str | None = None  # the instant it describes; None: when it is heard

    @property
    def event(self) -> str:
        """The kind's name: the `event` key of its JSON line."""
        return self.kind

    @property
    def alarm(self) -> Alarm | None:
        """Its alarm kind (`core.alarms`), None when it is not an alarm."""
        return BY_KIND.get(self.event)

    @property
    def update(self) -> bool:
        """Only updates the line of a repeated alarm (a JSON-lines stream leaves it out)."""
        return False

    @property
    def series(self) -> str | None:
        """The line a repeated alarm updates in place (None: a line of its own)."""
        return None

    def payload(self) -> dict[str, object]:
        """Its fields as the JSON line carries them (after `at` and `event`)."""
        skip = {"at", *self.hidden}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def to_json(self, tz: tzinfo, now: datetime) -> dict[str, object]:
        """The headless JSON line: `at` (local ISO instant; `now` unless it has its own),
        `event`, then its fields."""
        at = now if self.at is None else self.at
        shown = at.astimezone(tz).isoformat() if isinstance(at, datetime) else at
        return {"at": shown, "event": self.event, **self.payload()}

    def detail(self) -> str:
        """What follows the kind's words in the log line (its error, else its message)."""
        for name in ("error", "message"):
            value = getattr(self, name, None)
            if value:
                return str(value)
        return ""

    def line(self) -> str:
        """The event log's line (without the time; the screen makes it inert)."""
        words = self.event.replace("_", " ")
        words = words[:1].upper() + words[1:]
        detail = self.detail()
        return f"{words}: {detail}" if detail else self.event.replace("_", " ")


Listener = Callable[[Notice], None]


class NoticeStream:
    """The run's notices, to every subscriber in the order they were told, synchronously.

    A front end subscribes (the dashboard's log pane, the headless JSON lines, a test); a
    subscriber that fails on a notice is logged and the others still hear it. It reads no
    clock (it exists before the run's clock does: the as-run log reports through it as it
    opens): a notice without an instant of its own is one of now, read by whoever shows it.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def tell(self, notice: Notice) -> None:
        """Hand `notice` to every subscriber, in the order they subscribed."""
        for listener in list(self._listeners):
            try:
                listener(notice)
            except Exception:  # a front end that cannot show a notice must not stop the show
                log.exception("a front end failed to show the notice %r", notice.event)


# ---------------------------------------------------------------------- the run and its log


@dataclass(frozen=True)
class AsRunLogOpened(Notice):
    """Where this run is logged (`at`: the instant the lines describe)."""

    kind: ClassVar[str] = "as_run_log"
    path: str
    message: str


@dataclass(frozen=True)
class Resumed(AsRunLogOpened):
    """What a resumed run picked up from where (`at`: where the show is now)."""

    kind: ClassVar[str] = "resumed"


@dataclass(frozen=True)
class AsRunLogFailing(Notice):
    kind: ClassVar[str] = "as_run_log_failed"
    warns: ClassVar[bool] = True
    error: str


@dataclass(frozen=True)
class AsRunLogWriting(Notice):
    kind: ClassVar[str] = "as_run_log_ok"
    message: str = "as-run log writing again"


@dataclass(frozen=True)
class InternalError(Notice):
    """A contained internal error, and the file that holds its traceback."""

    kind: ClassVar[str] = "internal_error"
    where: str
    error: str
    diagnostics: str | None


@dataclass(frozen=True)
class ServiceFailed(Notice):
    """A service could not start: the show runs on without it (`<service>_failed`)."""

    warns: ClassVar[bool] = True
    hidden: ClassVar[frozenset[str]] = frozenset({"service"})
    service: str
    error: str

    @property
    def event(self) -> str:
        return f"{self.service}_failed"


@dataclass(frozen=True)
class ServiceStopFailed(ServiceFailed):
    """A service failed to stop, or did not within its bound (`<service>_stop_failed`)."""

    @property
    def event(self) -> str:
        return f"{self.service}_stop_failed"


@dataclass(frozen=True)
class ObsCommandDone(Notice):
    """An operator's OBS command (resend, auto), with who asked and what it did."""

    kind: ClassVar[str] = "obs_command"
    command: str
    by: str
    message: str


@dataclass(frozen=True)
class ObsRecord(Notice):
    """A record of OBS (a connection, a switch, an output, the preflight) as the event log
    shows it: the record as logged (`asrun.repeats` merges a repeated alarm's lines)."""

    name: str  # the record's kind (obs_connected, scene_switch_failed, repeated, ...)
    record: Mapping[str, object]  # its fields as shown (`asrun.repeats.Shown`: no event, no at)
    repeat: bool = False  # only updates the line of its series

    @property
    def event(self) -> str:
        return self.name

    @property
    def update(self) -> bool:
        return self.repeat

    @property
    def series(self) -> str | None:
        series = self.record.get("series")
        return None if series is None else str(series)

    @property
    def source(self) -> object:
        return self.record.get("source", "obs")

    @property
    def pops_up(self) -> bool:
        """An alarm the dashboard pops up while the show runs (its OBS panel shows the rest)."""
        return self.alarm is not None and self.alarm.pops_up

    @property
    def output_news(self) -> bool:
        """An output intent the operator is told of at once (a skipped slot's, an again)."""
        return self.name == "output_intent" and bool(self.record.get("notify"))

    def payload(self) -> dict[str, object]:
        return {"source": "obs", **{k: v for k, v in self.record.items() if k != "at"}}

    def line(self) -> str:
        message = self.record.get("message")
        if self.name == "repeated" and message:  # an alarm and its repeats, one line
            return str(message)
        if self.source == "obs" and message:
            return f"OBS: {message}"
        return super().line()

    def detail(self) -> str:
        return str(self.record.get("error") or self.record.get("message") or "")


@dataclass(frozen=True)
class ClockChecked(Notice):
    """The machine's time sync, at start and at every change of alarm (`app.clockcheck`)."""

    kind: ClassVar[str] = "clock_check"
    synced: bool | None
    offset_ms: float | None
    source: str
    message: str

    @classmethod
    def of(cls, record: Mapping[str, object]) -> ClockChecked:
        """The notice of a clock check's record (`core.timesync.ClockReport.record`)."""
        kind = ClockAlarm if record.get("event") == ClockAlarm.kind else ClockChecked
        return kind(
            synced=record.get("synced"),  # type: ignore[arg-type]
            offset_ms=record.get("offset_ms"),  # type: ignore[arg-type]
            source=str(record.get("source")),
            message=str(record.get("message")),
        )


@dataclass(frozen=True)
class ClockAlarm(ClockChecked):
    """The machine's clock is not synchronised, or is off by more than 100 ms."""

    kind: ClassVar[str] = "clock_alarm"
