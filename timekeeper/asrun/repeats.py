"""Alarms that read like a stage manager's notes: a repeated alarm is one line, span and count.

Why: a rehearsal without OBS logged 77 identical "OBS connect failed" lines, in
the report and on the dashboard, drowning the one alarm that mattered. The
as-run log keeps every record (it is the evidence); what people read groups
them: "OBS unreachable 15:29:10–17:50:02, 77 attempts".

The rule, one for the report and the live event log: an alarm record *repeats*
an earlier one when it has the same kind and subject (the scene of a failed
switch, the key of a failed action, the source of a failed text), comes less
than `GAP` after the previous one of the series (real time: a rehearsal at
×600 must not split an outage into 77 lines), and nothing in
between recovered from it (`obs_connected` ends a connection outage,
`scene_switch_confirmed` a switch failure, ...). Alarms that are each their
own story (a restart, a log write error, another timekeeper) never merge.

This module owns that rule (`Repeats`, `Series`), the words of a series
(`Series.text`) and what the live event log shows of it (`EventLogRepeats`:
the first alarm as it comes, its repeats as one line updated in place, a
`repeated` summary when the series ends). It reads records as plain dicts and
never the clock: times are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from timekeeper.core.alarms import RECOVERY, SUBJECT, WORDS

GAP = timedelta(minutes=10)  # repeats further apart than this start a new line

# The kinds that merge, their subject field, what ends a series and how it reads are
# declared once, in core.alarms.

Key = tuple[str, str]  # (kind, subject)


@dataclass(frozen=True)
class Series:
    """One alarm and its repeats: when it began, when it last happened, how often, why."""

    kind: str
    subject: str
    first: datetime
    last: datetime
    count: int
    detail: str  # what the first one said
    last_detail: str  # what the latest one said
    last_real: datetime  # the real clock at the latest one (the gap is measured on it)

    @property
    def key(self) -> Key:
        return (self.kind, self.subject)

    @property
    def series_id(self) -> str:
        """Stable while the series lasts: the live event log updates the line it names."""
        return f"{self.kind}:{self.subject}:{self.first.isoformat()}"

    def text(self, span: str | None = None) -> str:
        """ "OBS unreachable 15:29–17:50, 77 attempts: connection refused" (`span`: the times as
        the reader shows them; left out when None)."""
        name, unit = WORDS.get(self.kind, (_words(self.kind), "times"))
        out = name
        if self.subject and self.kind not in WORDS:
            out += f" ({self.subject})"
        if span:
            out += f" {span}"
        if self.count > 1:
            out += f", {self.count} {unit}"
        if self.detail:
            out += f": {self.detail}"
            if self.count > 1 and self.last_detail and self.last_detail != self.detail:
                out += f" (last: {self.last_detail})"
        return out


class Repeats:
    """Feed alarm and recovery records in order; learn which alarms start or extend a series."""

    def __init__(self, gap: timedelta = GAP) -> None:
        self.gap = gap
        self._open: dict[Key, Series] = {}

    def feed(
        self,
        record: Mapping[str, Any],
        at: datetime,
        detail: str = "",
        real: datetime | None = None,
    ) -> Series | None:
        """The series this record belongs to, now including it (count 1: it starts one);
        None for a record that is not a merging alarm. A recovery closes series. `at` is
        the show time (shown); `real` the real time (the gap), `at` when not known."""
        kind = str(record.get("event", ""))
        recovered = RECOVERY.get(kind)
        if recovered is not None:
            for key in [k for k in self._open if k[0] in recovered]:
                del self._open[key]
        if kind not in SUBJECT:
            return None
        real = at if real is None else real
        field = SUBJECT[kind]
        subject = str(record.get(field) or "") if field else ""
        key = (kind, subject)
        open_ = self._open.get(key)
        if open_ is not None and real - open_.last_real <= self.gap:
            series = replace(
                open_, last=at, count=open_.count + 1, last_detail=detail, last_real=real
            )
        else:
            series = Series(kind, subject, at, at, 1, detail, detail, real)
        self._open[key] = series
        return series

    def closing(self, record: Mapping[str, Any]) -> list[Series]:
        """The open series (with repeats) that `record`, a recovery, is about to close."""
        recovered = RECOVERY.get(str(record.get("event", "")), frozenset())
        return [s for k, s in self._open.items() if k[0] in recovered and s.count > 1]

    def open_series(self) -> list[Series]:
        """The series still open, with repeats (for a summary at the end of a run)."""
        return [s for s in self._open.values() if s.count > 1]

    def expire(self, real_now: datetime) -> list[Series]:
        """Close the series whose latest repeat is more than `gap` (real time) before
        `real_now`; those with repeats are returned."""
        done = [k for k, s in self._open.items() if real_now - s.last_real > self.gap]
        return [s for s in (self._open.pop(k) for k in done) if s.count > 1]


def _words(kind: str) -> str:
    return kind.replace("_", " ").replace("obs", "OBS")


# ---------------------------------------------------------------- the live event log


@dataclass(frozen=True)
class Shown:
    """What the event log shows of a record: a line (`update`: one that replaces the line of
    its `series`, which a dashboard does in place and a JSON-lines stream leaves out)."""

    event: str
    data: dict[str, Any]
    update: bool = False


class EventLogRepeats:
    """The live side of the rule: the first alarm of a series is shown as it comes; its
    repeats update one line ("OBS unreachable since 15:29:10, 12 attempts"); when the series
    ends (a recovery, a long silence, the end of the run) one `repeated` line sums it up."""

    def __init__(self, tz: tzinfo, gap: timedelta = GAP) -> None:
        self.tz = tz
        self._repeats = Repeats(gap)

    def shown(
        self, event: str, data: Mapping[str, Any], now: datetime, real: datetime
    ) -> list[Shown]:
        """What to show of an OBS record (its fields but `event` and `at` in `data`; `at`,
        when the record has one, is its own instant, else `now`)."""
        record = {**data, "event": event}
        at = _instant(data.get("at")) or now
        data = {k: v for k, v in data.items() if k != "at"}
        out = [self._summary(s) for s in self._repeats.expire(real)]
        out += [self._summary(s) for s in self._repeats.closing(record)]
        series = self._repeats.feed(record, at, alarm_reason(data), real)
        if series is None:
            return [*out, Shown(event, dict(data))]
        if series.count == 1:
            return [*out, Shown(event, {**data, "series": series.series_id})]
        since = f"since {self._hms(series.first)}"
        return [*out, Shown("repeated", self._fields(series, series.text(since)), update=True)]

    def flush(self) -> list[Shown]:
        """The series still open with repeats, summed up (the run is ending)."""
        return [self._summary(s) for s in self._repeats.open_series()]

    def _summary(self, series: Series) -> Shown:
        first, last = self._hms(series.first), self._hms(series.last)
        span = first if first == last else f"{first}–{last}"
        return Shown("repeated", self._fields(series, series.text(span)))

    def _fields(self, series: Series, message: str) -> dict[str, Any]:
        return {
            "of": series.kind,
            "series": series.series_id,
            "count": series.count,
            "first_at": series.first.astimezone(self.tz).isoformat(),
            "last_at": series.last.astimezone(self.tz).isoformat(),
            "message": message,
        }

    def _hms(self, at: datetime) -> str:
        return f"{at.astimezone(self.tz):%H:%M:%S}"


def alarm_reason(data: Mapping[str, Any]) -> str:
    """Why an alarm happened, for a series' words (its subject is named apart)."""
    return next((str(data[k]) for k in ("error", "reason", "comment", "text") if data.get(k)), "")


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
