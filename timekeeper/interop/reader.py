"""Read any schedule file timekeeper imports, telling the format from its content.

`<` first: frab/pretalx schedule.xml; `{` first: schedule.json; anything else is
read as a CSV running order. The file name's extension is not trusted, so a
schedule.json saved as .txt still imports.
"""

from __future__ import annotations

from timekeeper.interop import csvio, frab_xml, schedule_json
from timekeeper.interop.schedule import Conference, ScheduleError, read_bounded


def read_schedule(path: str) -> Conference:
    """The conference in `path`; ScheduleError (exit 2) with where, never a traceback."""
    data = read_bounded(path)
    if not data.strip():
        raise ScheduleError(f"{path}: empty file; expected a schedule.xml, schedule.json or CSV")
    if frab_xml.looks_like(data):
        return frab_xml.read(data, path)
    if schedule_json.looks_like(data):
        return schedule_json.read(data, path)
    return csvio.read(data, path)
