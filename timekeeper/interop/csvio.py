"""CSV running orders in (a team's spreadsheet) and out (a programme as a table).

Columns in, matched case-insensitively, in any order (docs/interop.md): `title`
(required), `start` (HH:MM, or ISO 8601 with a date), `duration` (HH:MM or
45m / 1h30m), `end`, `speakers` (separated by ';' or ','), `scene`, `room`,
`id`/`guid`, `date` (YYYY-MM-DD for HH:MM starts), `timezone`. A row without a
start follows the row before. Problems are reported as FILE:LINE.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from timekeeper.core.programme import Programme
from timekeeper.core.text import csv_cell
from timekeeper.interop import schedule
from timekeeper.interop.schedule import Conference, ScheduleError, Talk
from timekeeper.programme import durations

ALIASES = {
    "title": {"title", "talk", "session", "name"},
    "start": {"start", "begin", "time", "start time"},
    "duration": {"duration", "length"},
    "end": {"end", "end time"},
    "speakers": {"speakers", "speaker", "persons", "people"},
    "scene": {"scene", "obs scene"},
    "room": {"room", "track", "stage"},
    "id": {"id", "guid", "slot id"},
    "date": {"date", "day"},
    "timezone": {"timezone", "time zone", "tz"},
}
_COLUMNS = ["id", "title", "start", "end", "duration", "speakers", "scene"]


def _columns(header: list[str], source: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = " ".join(name.strip().lower().replace("_", " ").split())
        for column, names in ALIASES.items():
            if key in names and column not in found:
                found[column] = index
    if "title" not in found:
        raise ScheduleError(f"{source}:1: no 'title' column; the header has {header}")
    if "start" not in found and "duration" not in found:
        raise ScheduleError(f"{source}:1: needs a 'start' or a 'duration' column")
    return found


def read(data: bytes, source: str, hint: str | None = None) -> Conference:
    """A CSV running order as a one-room conference (or several, with a 'room' column)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScheduleError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _rows(text, dialect, source)
    if not rows:
        raise ScheduleError(f"{source}: empty CSV")
    cols = _columns(rows[0], source)
    zone = _zone_of(rows[1:], cols, source)
    talks: list[Talk] = []
    previous_end: dict[str, datetime] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        schedule.count_talk(len(talks) + 1, f"{source}:{number}")
        talk = _row(row, cols, f"{source}:{number}", previous_end, zone or hint)
        previous_end[talk.room] = talk.end
        talks.append(talk)
    if not talks:
        raise ScheduleError(f"{source}: no rows under the header")
    rooms = tuple(dict.fromkeys(t.room for t in talks))
    return Conference(title=rooms[0] if len(rooms) == 1 else source, source=source,
                      timezone=zone, talks=tuple(talks), rooms=rooms)  # fmt: skip


def _rows(text: str, dialect: type[csv.Dialect] | csv.Dialect, source: str) -> list[list[str]]:
    """Every row; lines may end in \\n, \\r\\n or a lone \\r (Excel's "CSV (Macintosh)")."""
    reader = csv.reader(io.StringIO(text, newline=None), dialect)
    try:
        return list(reader)
    except csv.Error as exc:  # a cell over csv.field_size_limit(), a NUL, ...
        raise ScheduleError(
            f"{source}:{max(reader.line_num, 1)}: not a CSV running order: {exc}"
        ) from None


def _zone_of(rows: list[list[str]], cols: dict[str, int], source: str) -> str | None:
    if "timezone" not in cols:
        return None
    values = {_cell(r, cols, "timezone") for r in rows} - {""}
    return schedule.check_timezone(next(iter(values), None), f"{source}:2")


def _cell(row: list[str], cols: dict[str, int], name: str) -> str:
    index = cols.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _row(
    row: list[str], cols: dict[str, int], where: str, ends: dict[str, datetime], zone: str | None
) -> Talk:
    room = _cell(row, cols, "room") or "Main"
    zone = schedule.check_timezone(_cell(row, cols, "timezone"), where) or zone
    start_text = _cell(row, cols, "start")
    if start_text:
        start = _start(start_text, _cell(row, cols, "date"), zone, where)
    elif room in ends:
        start = ends[room]
    else:
        raise ScheduleError(f"{where}: the first row of room '{room}' needs a start")
    duration = _length(row, cols, start, where)
    speakers = _cell(row, cols, "speakers").replace(";", ",").split(",")
    return Talk(
        title=schedule.text(_cell(row, cols, "title"), "title", where, required=True) or "",
        room=room,
        start=start,
        duration=duration,
        where=where,
        guid=_cell(row, cols, "id") or None,
        persons=tuple(p.strip() for p in speakers if p.strip()),
        scene=_cell(row, cols, "scene") or None,
    )


def _start(text: str, day: str, zone: str | None, where: str) -> datetime:
    if "T" in text or " " in text.strip() or len(text) > 8:
        return schedule.parse_instant(text.replace(" ", "T", 1), where, zone)
    if not day:
        raise ScheduleError(f"{where}: start {text!r} has no date; add a 'date' column")
    if zone is None:
        raise ScheduleError(
            f"{where}: start {text!r} has no time zone: add a 'timezone' column "
            "(e.g. Europe/Berlin) or give --timezone ZONE"
        )
    try:
        when = datetime.combine(date.fromisoformat(day), time.fromisoformat(text.zfill(5)))
    except ValueError:
        raise ScheduleError(
            f"{where}: start {text!r} on {day!r} is not HH:MM on YYYY-MM-DD"
        ) from None
    return schedule.in_years(when.replace(tzinfo=ZoneInfo(zone)), f"{day} {text}", where)


def _length(row: list[str], cols: dict[str, int], start: datetime, where: str) -> timedelta:
    text = _cell(row, cols, "duration")
    if text:
        if ":" in text:
            return schedule.parse_duration(text, where)
        try:
            value = durations.parse_duration(text)
        except ValueError as exc:
            raise ScheduleError(f"{where}: duration {text!r}: {exc}") from None
        if value > timedelta():
            return value
        raise ScheduleError(f"{where}: duration {text!r} is not longer than zero")
    end = _cell(row, cols, "end")
    if not end:
        raise ScheduleError(f"{where}: give a duration or an end")
    local = start.astimezone(start.tzinfo)
    end_at = _start(end, local.date().isoformat(), str(start.tzinfo), where)
    if end_at <= start:
        raise ScheduleError(f"{where}: end {end!r} is not after the start")
    return end_at - start


def write(programme: Programme) -> str:
    """The programme as CSV with the headers import reads (local ISO times with offsets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*_COLUMNS, "timezone"])
    for slot in programme.slots:
        start, end = programme.local(slot.start), programme.local(slot.end)
        writer.writerow([csv_cell(cell) for cell in [  # no cell a spreadsheet would run
            slot.id, slot.title, start.isoformat(timespec="minutes"),
            end.isoformat(timespec="minutes"),
            durations.format_duration(slot.duration), "; ".join(s.name for s in slot.speakers),
            slot.scene or "", programme.event.timezone,
        ]])  # fmt: skip
    return out.getvalue()
