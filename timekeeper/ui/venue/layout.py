"""The venue overview's table, laid out for the terminal's width: pure text in, lines out.

`layout(width, rooms)` chooses the columns and their widths from the terminal's width
(never from the first rows or their headers), so every title gets the room there is:

- wide (`WIDE` columns and more): one line per room — room, status, live title, time
  left, late or early, next title and its expected start, then OBS, turn and message
  as far as they fit while the titles keep `LIVE_MIN` and `NEXT_MIN` characters;
- narrow (80×24): two lines per room — room, status, live title, time left, late or
  early; under the live title, the next title with its expected start.

Every cell is cut with an ellipsis to its column, never to its header, and control
characters are shown as spaces. The selected room's turn, OBS and message (and why its
status is bad) are always in the detail line (`detail`), whatever the width.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from timekeeper.rooms.board import BAD_STATUS, RoomRow

WIDE = 100  # from this many columns, one line per room
LIVE_MIN, NEXT_MIN = 26, 18  # what the titles keep before an optional column is added
ROOM_MIN, ROOM_MAX = 6, 16
PHASE_STYLE = {"warning": "bold yellow", "danger": "bold red", "overtime": "bold red reverse"}
ONLINE_STYLE = {"online": "green", "OFFLINE": "bold white on red", "unknown": "yellow",
                "broker lost": "bold red"}  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str  # a RoomRow field, or "at" (the next slot's expected start)
    header: str
    width: int


@dataclass(frozen=True)
class Layout:
    columns: tuple[Column, ...]
    two_lines: bool  # narrow: the next slot on a second line under the live title

    @property
    def lines_per_room(self) -> int:
        return 2 if self.two_lines else 1


def layout(width: int, rooms: list[RoomRow]) -> Layout:
    """The columns for a terminal `width` columns wide (one space before each column)."""
    longest = max((len(r.name) for r in rooms), default=ROOM_MIN)
    room = Column("name", "Room", max(ROOM_MIN, min(ROOM_MAX, longest)))
    status, left = Column("online", "Status", 11), Column("countdown", "Left", 8)
    late = Column("over_under", "Late/early", 11)
    if width < WIDE:
        fixed = [room, status, left, late]
        live = max(8, width - _used(fixed) - 1)
        cols: tuple[Column, ...] = (room, status, Column("live", "Live · next", live), left, late)
        return Layout(cols, two_lines=True)
    fixed = [room, status, left, late, Column("next_at", "At", 5)]
    optional = [
        Column("obs", "OBS", 12),
        Column("turn", "Turn", 16),
        Column("message", "Message", 20),
    ]
    chosen: list[Column] = []
    for column in optional:
        if width - _used(fixed + chosen + [column]) - 2 >= LIVE_MIN + NEXT_MIN:
            chosen.append(column)
    flex = width - _used(fixed + chosen) - 2
    live = flex * 3 // 5
    cols = (room, status, Column("live", "Live", live), left, late,
            Column("next", "Next", flex - live), fixed[4], *chosen)  # fmt: skip
    return Layout(cols, two_lines=False)


def _used(columns: list[Column]) -> int:
    return sum(c.width + 1 for c in columns)


def header(lay: Layout) -> Text:
    line = Text(style="bold reverse")
    for column in lay.columns:
        line.append(" ")
        line.append_text(_fit(column.header, column.width))
    return line


def room_lines(row: RoomRow, lay: Layout) -> list[Text]:
    """The room's line (two when narrow), each exactly as wide as the layout."""
    line = Text()
    indent = 0
    for column in lay.columns:
        line.append(" ")
        if column.key == "live" and lay.two_lines:
            indent = line.cell_len
        line.append_text(_fit(_value(row, column.key), column.width, _style(row, column.key)))
    if not lay.two_lines:
        return [line]
    width = line.cell_len - indent
    nxt = Text(" " * indent)
    if row.next != "—":
        at = f"{row.next_at} " if row.next_at else ""
        nxt.append_text(_fit(f"next {at}{_clean(row.next)}", width, "dim"))
    else:
        nxt.append(" " * width)
    return [line, nxt]


def detail(row: RoomRow | None, width: int) -> Text:
    """The selected room in full: turn, OBS, message, and why its status is bad."""
    if row is None:
        return Text("")
    parts: list[str] = []
    if row.bad:
        parts.append(f"bad status — {row.bad}")
    parts += [f"turn {row.turn}", f"OBS {row.obs}", f"message {row.message}"]
    if row.next != "—":
        parts.append(f"next {row.next_at} {row.next}".replace("  ", " "))
    return _fit(f"{_clean(row.name)}: " + " · ".join(_clean(p) for p in parts), width)


def _value(row: RoomRow, key: str) -> str:
    return _clean(str(getattr(row, key)))


def _style(row: RoomRow, key: str) -> str:
    if key == "online":
        return ONLINE_STYLE.get(row.online, "")
    if key == "name":
        return "bold"
    if key == "countdown":
        return PHASE_STYLE.get(row.phase, "")
    if key == "over_under":
        return "yellow" if "late" in row.over_under else ""
    if key == "live" and row.live == BAD_STATUS:
        return "bold white on red"
    if key == "obs":
        return "red" if "ALARM" in row.obs or row.obs == "disconnected" else ""
    if key == "message":
        return "italic"
    return ""


def _fit(text: str, width: int, style: str = "") -> Text:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded."""
    cell = Text(text[: width * 4 + 8], style=style, no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=True)
    return cell


def _clean(text: str) -> str:
    """Control and format characters (escape sequences, bidi overrides) shown as spaces."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)
