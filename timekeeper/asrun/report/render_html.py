"""The report as one self-contained HTML page: the timeline to look at, the tables below.

Owns the page: inline CSS, the planned-versus-actual timeline (`timeline_svg`,
inline SVG) with its legend, and the Markdown report's sections turned into
HTML — the same header, summary, tables and lists as `render_markdown`, so
the two never disagree. Nothing is fetched: no script, no font, no image, no
link to load (a Content-Security-Policy says so to the browser too). It must
not build the model or decide figures.
"""

from __future__ import annotations

import re
from html import escape

from timekeeper.asrun.report.model import Report
from timekeeper.asrun.report.render_markdown import render_markdown
from timekeeper.asrun.report.timeline_svg import COLOURS, render_svg
from timekeeper.asrun.report.timeline_svg import CSS as SVG_CSS
from timekeeper.core.programme import Programme

PAGE_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d232a; margin: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #d9dde2; padding: 3px 8px; vertical-align: top; }
th { background: #f2f4f6; text-align: left; } td.num, th.num { text-align: right; }
code { background: #f2f4f6; padding: 0 3px; border-radius: 3px; }
figure { margin: 16px 0; overflow-x: auto; } figcaption { color: #555; margin-bottom: 6px; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 14px; height: 9px; margin-right: 4px;
            vertical-align: middle; }
"""
LEGEND = (
    ("planned", "planned"), ("done", "ran"), ("extension", "extension"),
    ("cut", "cut by a hard start"), ("live", "live when the log ends / a turn cut short"),
    ("stream", "stream on air"), ("recording", "recording"), ("alarm", "OBS alarm"),
    ("hold", "hold"),
)  # fmt: skip
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_html(report: Report, prog: Programme) -> str:
    """The whole page."""
    legend = "".join(
        f'<span><i style="background:{COLOURS[key]}"></i>{escape(words)}</span>'
        for key, words in LEGEND
    )
    markdown = render_markdown(report, prog).splitlines()
    head, rest = _split_title(markdown)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(report.title)}: as-run report</title>",
            f"<style>{PAGE_CSS}{SVG_CSS}</style>",
            "</head><body>",
            *markdown_html(head),
            '<figure id="timeline">',
            "<figcaption>Planned (upper bar) and as run (lower bar), in "
            f"{escape(report.timezone)}. Hover a bar for its times.</figcaption>",
            f'<div class="legend">{legend}</div>',
            render_svg(report, prog),
            "</figure>",
            *markdown_html(rest),
            "</body></html>",
            "",
        ]
    )


def _split_title(lines: list[str]) -> tuple[list[str], list[str]]:
    """The header and summary (before the first section), and the sections."""
    for index, line in enumerate(lines):
        if line.startswith("## "):
            return lines[:index], lines[index:]
    return lines, []


def _inline(text: str) -> str:
    """Markdown's **bold**, *italic* and `code` (the only ones the report writes), escaped."""
    out = escape(text.replace("\\|", "|"), quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def markdown_html(lines: list[str]) -> list[str]:
    """The Markdown `render_markdown` writes (headings, paragraphs, lists, tables) as HTML."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            out += _table(block)
        elif line.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].startswith("- "):
                out.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("</ul>")
        else:
            out.append(f"<p>{_inline(line)}</p>")
            i += 1
    return out


def _table(block: list[str]) -> list[str]:
    head, align, rows = _cells(block[0]), _cells(block[1]), [_cells(r) for r in block[2:]]
    num = [a.endswith(":") and not a.startswith(":") for a in align]

    def cell(tag: str, text: str, k: int) -> str:
        cls = ' class="num"' if k < len(num) and num[k] else ""
        return f"<{tag}{cls}>{_inline(text)}</{tag}>"

    out = ["<table>", "<tr>" + "".join(cell("th", h, k) for k, h in enumerate(head)) + "</tr>"]
    out += ["<tr>" + "".join(cell("td", c, k) for k, c in enumerate(r)) + "</tr>" for r in rows]
    return [*out, "</table>"]
