"""The post-show report: planned versus actual, from an as-run log and its programme.

`build_report` (in `build`) makes a frozen model (`model`); `render(report,
programme, fmt)` writes Markdown (`render_markdown`: to paste into a
post-event report), CSV (`render_csv`: a row per slot and per turn, for a
spreadsheet), JSON (`render_json`: the whole model) or HTML (`render_html`:
one self-contained page with the timeline drawn as SVG by `timeline_svg`). Everything is shown in
the event's timezone (`text`). This module owns only the choice of format.
"""

from __future__ import annotations

import json

from timekeeper.asrun.report.build import build_report
from timekeeper.asrun.report.model import Interval, Line, Report, SlotRow, Switches, TurnRow
from timekeeper.asrun.report.render_csv import CSV_FIELDS, render_csv
from timekeeper.asrun.report.render_html import render_html
from timekeeper.asrun.report.render_json import report_json
from timekeeper.asrun.report.render_markdown import render_markdown
from timekeeper.asrun.report.text import duration, signed
from timekeeper.core.programme import Programme
from timekeeper.core.text import inert

FORMATS = ("markdown", "csv", "json", "html")

__all__ = [
    "CSV_FIELDS",
    "FORMATS",
    "Interval",
    "Line",
    "Report",
    "SlotRow",
    "Switches",
    "TurnRow",
    "build_report",
    "duration",
    "render",
    "render_csv",
    "render_html",
    "render_markdown",
    "report_json",
    "signed",
]


def render(report: Report, programme: Programme, fmt: str = "markdown") -> str:
    """The report as markdown, csv, json or html text."""
    if fmt == "markdown":  # shown on terminals: inert (core/text.py)
        return inert(render_markdown(report, programme), lines=True)
    if fmt == "csv":
        return inert(render_csv(report, programme), lines=True)
    if fmt == "html":
        return render_html(report, programme)
    if fmt == "json":
        return json.dumps(report_json(report, programme), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
