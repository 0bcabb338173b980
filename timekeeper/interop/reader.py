"""Read any schedule file timekeeper imports, telling the format from its content.

`<` first: frab/pretalx schedule.xml; `{` first: schedule.json; anything else is
read as a CSV running order. The file name's extension is not trusted, so a
schedule.json saved as .txt still imports.
"""

from __future__ import annotations

import csv

from timekeeper.interop import csvio, frab_xml, schedule_json
from timekeeper.interop.schedule import Conference, ScheduleError, read_bounded

#: What a reader may still raise on input nobody foresaw: said as one line, never a traceback.
_UNFORESEEN = (ValueError, OverflowError, LookupError, UnicodeError, RecursionError, csv.Error)


def read_schedule(path: str, timezone: str | None = None) -> Conference:
    """The conference in `path`; ScheduleError (exit 2) with where, never a traceback.

    `timezone` (--timezone) places times written without a UTC offset when the schedule
    names no zone of its own.
    """
    try:
        return _read(path, timezone)
    except _UNFORESEEN as exc:
        raise ScheduleError(
            f"{path}: cannot be read as a schedule ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def _read(path: str, hint: str | None) -> Conference:
    data = read_bounded(path)
    if not data or data.isspace():
        raise ScheduleError(f"{path}: empty file; expected a schedule.xml, schedule.json or CSV")
    if frab_xml.looks_like(data):
        return frab_xml.read(data, path, hint)
    if schedule_json.looks_like(data):
        return schedule_json.read(data, path, hint)
    return csvio.read(data, path, hint)
