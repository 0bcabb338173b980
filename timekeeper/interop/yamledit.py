"""Line-level edits of a programme.yaml that keep the comments its authors wrote.

PyYAML (the repository's YAML library; ruamel is not a dependency) forgets
comments, so a re-import does not dump a new document: it edits the text. The
marks `yamldoc.compose` records for every key say where each slot item and each
key of it begins; with them the `slots:` list is cut into blocks — a slot item's
lines plus the comment lines directly above it — that can be moved, added,
commented out, and edited key by key. An edited key's lines are replaced
(a comment on those very lines is lost, and said so); every other line, comments
included, is kept as written. A slot written in flow style (`- {id: a, ...}`),
or a `slots:` list in flow style, cannot be edited in place: it is written anew
(its inner comments lost, and said so).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.locations import Locations
from timekeeper.programme.yamldoc import compose

_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'")


def has_comment(line: str) -> bool:
    """Does this YAML line carry a comment (a '#' after a space, outside quotes)?"""
    bare = _QUOTED.sub('""', line)
    return bool(re.search(r"(^|\s)#", bare))


def _is_comment(line: str) -> bool:
    return line.strip().startswith("#")


def _is_comment_or_blank(line: str) -> bool:
    return not line.strip() or _is_comment(line)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*|\d+[a-z][a-z0-9]*")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def flow(value: Any) -> str:
    """A value as one YAML flow text: words and durations (40m, start_recording) plain,
    other text double-quoted (JSON's escaping is valid YAML)."""
    if isinstance(value, str):
        plain = _PLAIN.fullmatch(value) and value.lower() not in _RESERVED
        return value if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Block:
    """One slot item: the comment lines above it, then its own lines.

    `keys` maps each key of the item to its line within `lines` (None when the
    item cannot be edited key by key; then `data` is written anew on any edit).
    """

    lines: list[str]
    data: dict[str, Any]
    keys: dict[str, int] | None
    column: int = 4
    rewritten: bool = False  # its own lines were regenerated: inner comments lost
    lost_comment: bool = field(default=False)

    @property
    def editable(self) -> bool:
        return self.keys is not None

    def _span(self, key: str) -> tuple[int, int]:
        assert self.keys is not None
        first = self.keys[key]
        later = sorted(line for line in self.keys.values() if line > first)
        end = later[0] if later else len(self.lines)
        while end - 1 > first and (
            _is_comment(self.lines[end - 1]) or not self.lines[end - 1].strip()
        ):
            end -= 1  # comments just above the next key belong to it
        return first, end

    def set(self, key: str, value: Any, *, instead_of: str | None = None) -> None:
        """Give `key` the value (a Python value, written in flow style); keeps the rest."""
        self.data[key] = value
        if instead_of is not None:
            self.data.pop(instead_of, None)
        if self.keys is None:
            self.rewritten = True
            return
        old = key if key in self.keys else instead_of if instead_of in self.keys else None
        text = f"{key}: {flow(value)}"
        if old is None:
            last = max(self.keys, key=lambda k: self.keys[k] if self.keys else 0)
            _, end = self._span(last)
            self.lines.insert(end, " " * self.column + text)
            self._shift(end, 1)
            self.keys[key] = end
            return
        first, end = self._span(old)
        self._note_comments(first, end)
        prefix = self.lines[first][: self.column]
        self.lines[first:end] = [prefix + text]
        self._shift(end, 1 - (end - first))
        del self.keys[old]
        self.keys[key] = first

    def delete(self, key: str) -> None:
        self.data.pop(key, None)
        if self.keys is None:
            self.rewritten = True
            return
        if key not in self.keys:
            return
        first, end = self._span(key)
        self._note_comments(first, end)
        if first == min(self.keys.values()):  # the line with the '- ': write the item anew
            self.keys = None
            self.rewritten = True
            return
        del self.lines[first:end]
        del self.keys[key]
        self._shift(end, -(end - first))

    def _shift(self, at: int, by: int) -> None:
        assert self.keys is not None
        for key, line in self.keys.items():
            if line >= at:
                self.keys[key] = line + by

    def _note_comments(self, first: int, end: int) -> None:
        if any(has_comment(line) for line in self.lines[first:end]):
            self.lost_comment = True

    def text_lines(self) -> list[str]:
        """The block as it is to be written."""
        if not self.rewritten:
            return self.lines
        leading = []
        for line in self.lines:
            if not _is_comment(line):
                break
            leading.append(line)
        return leading + item_lines(self.data, self.column - 2)

    def commented_out(self, reason: str) -> list[str]:
        """The block kept as comments, under a line saying why."""
        own = self.text_lines()
        return [f"  # {reason}"] + [
            "  # " + line[2:] if line.startswith("  ") else "# " + line for line in own
        ]


def item_lines(data: dict[str, Any], dash: int = 2) -> list[str]:
    """A slot item written anew, one key a line, values in flow style."""
    out = []
    for index, (key, value) in enumerate(data.items()):
        out.append(" " * dash + ("- " if index == 0 else "  ") + f"{key}: {flow(value)}")
    return out


@dataclass
class SlotsText:
    """A programme's text cut around its slot items."""

    header: list[str]
    blocks: list[Block]
    footer: list[str]
    flow_list: bool = False  # `slots: [...]`: every item was written anew


def split(text: str, name: str) -> tuple[SlotsText, dict[str, Any], Locations]:
    """Cut `text` (a programme that loads) into header, slot blocks and footer."""
    composed = compose(text, Report(name))
    assert composed is not None, "split() is given a programme that loads"
    data, locations = composed
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    slots = data["slots"]
    starts = [locations.value(("slots", i)) for i in range(len(slots))]
    marks = [m for m in starts if m is not None]
    slots_key = locations.key(("slots",)) or (0, 0)
    if (
        len(marks) != len(slots)
        or len({m[0] for m in marks}) != len(marks)
        or (marks and marks[0][0] == slots_key[0])
    ):
        return _flow(lines, data, locations), data, locations
    end = _slots_end(lines, data, locations, slots_key[0])
    bounds = [_leading(lines, m[0], slots_key[0] + 1) for m in marks] + [end]
    header, footer = lines[: bounds[0]], lines[end:]
    blocks = []
    for i, slot in enumerate(slots):
        own = lines[bounds[i] : bounds[i + 1]]
        blocks.append(_block(own, bounds[i], slot, locations, i, marks[i]))
    return SlotsText(header, blocks, footer), data, locations


def _leading(lines: list[str], dash: int, floor: int) -> int:
    """The first line of the comments directly above line `dash` (no blank line between)."""
    first = dash
    while first - 1 >= floor and _is_comment(lines[first - 1]):
        first -= 1
    return first


def _slots_end(
    lines: list[str], data: dict[str, Any], locations: Locations, slots_line: int
) -> int:
    """The line after the slot list: the next top-level key (less its comments), else the end."""
    later = [
        mark[0]
        for key in data
        if key != "slots" and (mark := locations.key((key,))) is not None and mark[0] > slots_line
    ]
    if not later:
        end = len(lines)
        while end > slots_line + 1 and not lines[end - 1].strip():
            end -= 1
        return end
    end = _leading(lines, min(later), slots_line + 1)
    while end > slots_line + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _block(
    own: list[str], offset: int, slot: Any, locations: Locations, i: int, mark: tuple[int, int]
) -> Block:
    data = dict(slot) if isinstance(slot, dict) else {"title": str(slot)}
    keys: dict[str, int] = {}
    columns = set()
    for key in data:
        at = locations.key(("slots", i, key))
        if at is None:
            return Block(own, data, None, column=mark[1])
        keys[key] = at[0] - offset
        columns.add(at[1])
    editable = (
        len(columns) == 1
        and len(set(keys.values())) == len(keys)
        and min(keys.values(), default=-1) == mark[0] - offset
        and columns == {mark[1]}
    )
    if not editable:
        return Block(own, data, None, column=mark[1])
    return Block(own, data, keys, column=mark[1])


def _flow(lines: list[str], data: dict[str, Any], locations: Locations) -> SlotsText:
    """`slots:` not a block list: the list is written anew from its data."""
    slots_line = (locations.key(("slots",)) or (0, 0))[0]
    end = _slots_end(lines, data, locations, slots_line)
    blocks = [Block([], dict(s), None, rewritten=True) for s in data["slots"]]
    return SlotsText([*lines[:slots_line], "slots:"], blocks, lines[end:], flow_list=True)


def event_set(text: str, name: str, key: str, value: Any) -> str:
    """`text` with event.<key> set to `value` (a single-line key replaced, or one added)."""
    composed = compose(text, Report(name))
    assert composed is not None
    data, locations = composed
    lines = text.split("\n")
    at = locations.key(("event", key))
    if at is not None and isinstance(data["event"], dict):
        value_at = locations.value(("event", key))
        if value_at is not None and value_at[0] == at[0]:
            lines[at[0]] = lines[at[0]][: at[1]] + f"{key}: {flow(value)}"
            return "\n".join(lines)
    first = locations.key(("event", next(iter(data["event"]))))
    if first is None or first[0] == (locations.key(("event",)) or (0, 0))[0]:
        raise ValueError("event: is written in flow style")
    lines.insert(first[0] + 1, " " * first[1] + f"{key}: {flow(value)}")
    return "\n".join(lines)
