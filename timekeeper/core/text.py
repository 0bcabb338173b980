"""Text made inert: what a terminal shows, and what a spreadsheet reads from a CSV cell.

Titles (typed by speakers in pretalx), speaker messages (from the API, OSC, MQTT) and
notes reach terminals and spreadsheets. `inert` removes what a terminal would obey
instead of showing: C0 and C1 control characters (ESC starts `ESC[2J`, clear the
screen, and `ESC]0;…`, retitle the window), DEL, and the bidirectional overrides and
isolates that reorder what is read (CVE-2021-42574). A tab or a line break becomes a
space unless `lines=True` keeps line breaks. `csv_cell` prefixes a cell a spreadsheet
would run as a formula (`=`, `+`, `-`, `@`, a tab or CR first) with `'`; a plain
number or a duration (`-5`, `-1:30`) stays as it is. Pure.
"""

from __future__ import annotations

import re

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}]")
_BREAKS = re.compile("[\t\n\r\u2028\u2029\x0b\x0c\x85]+")
_NUMBER = re.compile(r"[-+]?\d[\d:.,]*")
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str, *, lines: bool = False) -> str:
    """`text` without what a terminal would act on; breaks become spaces unless `lines`."""
    if lines:
        parts = text.replace("\r\n", "\n").split("\n")
        text = "\n".join(_BREAKS.sub(" ", part) for part in parts)
    else:
        text = _BREAKS.sub(" ", text)
    return _UNSAFE.sub("", text)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text, never runs (non-strings pass through)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_FIRST):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value
