"""A run's OBS records: into the as-run log, then to the front ends, repeated alarms merged.

Owns the alarm repeat book of the live event log (`asrun.repeats.EventLogRepeats`): its
only mutable state, created by the assembly with the run and handed to the OBS service as
the sink of its records (`record`); the run's end sums up the series still repeating
(`flush`). Every record is kept by the as-run log whatever is shown of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from timekeeper.asrun import RunStart
from timekeeper.asrun.repeats import EventLogRepeats
from timekeeper.core.clock import SystemClock
from timekeeper.show.notices import NoticeStream, ObsRecord
from timekeeper.show.session import ShowSession

_REAL = SystemClock()  # the gap between repeats of an alarm is real time


class ObsRecords:
    """The sink of the OBS service's records (`record`), and their repeat book."""

    def __init__(self, session: ShowSession, asrun: RunStart | None, notices: NoticeStream) -> None:
        self.session = session
        self.asrun = asrun
        self.notices = notices
        self._repeats: EventLogRepeats | None = None  # made at the first record (its zone)

    def record(self, record: Mapping[str, object]) -> None:
        """A record from OBS: into the as-run log, and to the front ends."""
        if self.asrun is not None:
            self.asrun.log.append(dict(record))
        event = str(record.get("event", "record"))
        if event == "text_set":
            return  # logged; the OBS panel shows it, the front end need not repeat it
        data = {k: v for k, v in record.items() if k != "event"}
        if self._repeats is None:
            self._repeats = EventLogRepeats(self.session.programme.tz)
        now = self.session.clock.now()
        for shown in self._repeats.shown(event, data, now, _REAL.now()):
            self.notices.tell(ObsRecord(name=shown.event, record=shown.data, repeat=shown.update))

    def flush(self) -> None:
        """The run ends: sum up the alarms still repeating (one `repeated` line each)."""
        for shown in self._repeats.flush() if self._repeats is not None else []:
            self.notices.tell(ObsRecord(name=shown.event, record=shown.data))
