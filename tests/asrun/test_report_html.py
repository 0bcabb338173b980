"""`timekeeper report --format html`: the timeline is drawn where the times say, and looks so.

Structural tests read the inline SVG as XML: a bar per slot and per turn at the
x the time axis gives its instant, the cut, the extension, the stream, the
recording, the alarms and the hold where the log puts them. The screenshot
test loads the page in real headless Chromium and reads the pixels back: the
cut slot is drawn in the cut colour exactly over its minutes.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.asrun.runs import seed_rehearsal, webinar_live
from tests.factories import at
from timekeeper.asrun.log import read_log
from timekeeper.asrun.report import Report, build_report, render
from timekeeper.asrun.report.timeline_svg import COLOURS
from timekeeper.cli import main
from timekeeper.core.programme import Programme

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"


def _report(
    tmp_path: Path, run: Callable[[Path], tuple[Path, Programme]] = webinar_live
) -> tuple[Report, Programme, str]:
    path, prog = run(tmp_path)
    report = build_report(read_log(path), prog)
    return report, prog, render(report, prog, "html")


def _svg(page: str) -> ElementTree.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ElementTree.fromstring(page[start:end])


class Axis:
    """The drawing's own time axis: the x of two tick labels give x for any instant."""

    def __init__(self, svg: ElementTree.Element) -> None:
        ticks = [(datetime.fromisoformat(t.attrib["data-at"]), float(t.attrib["x"]))
                 for t in svg.iter(f"{SVG}text") if "data-at" in t.attrib]  # fmt: skip
        assert len(ticks) >= 3
        (t0, x0), (t1, x1) = ticks[0], ticks[-1]
        self.t0, self.x0 = t0, x0
        self.per_second = (x1 - x0) / (t1 - t0).total_seconds()

    def x(self, instant: datetime) -> float:
        return self.x0 + (instant - self.t0).total_seconds() * self.per_second

    def w(self, length: timedelta) -> float:
        return length.total_seconds() * self.per_second


def _bars(svg: ElementTree.Element, cls: str) -> list[ElementTree.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if cls in r.attrib.get("class", "").split()]


def _at(bar: ElementTree.Element, axis: Axis, start: datetime, length: timedelta) -> None:
    assert float(bar.attrib["x"]) == pytest.approx(axis.x(start), abs=0.05)
    assert float(bar.attrib["width"]) == pytest.approx(axis.w(length), abs=0.05)


def test_every_slot_has_a_planned_and_an_actual_bar_at_its_times(tmp_path: Path) -> None:
    report, prog, page = _report(tmp_path)
    svg = _svg(page)
    axis = Axis(svg)
    planned = {b.attrib["data-slot"]: b for b in _bars(svg, "planned")}
    actual = {b.attrib["data-slot"]: b for b in _bars(svg, "actual")}
    assert list(planned) == list(actual) == [s.id for s in prog.slots]
    for slot in prog.slots:
        _at(planned[slot.id], axis, slot.start, slot.duration)
    _at(actual["welcome"], axis, at("10:01"), timedelta(minutes=5))
    _at(actual["talk"], axis, at("10:06"), timedelta(minutes=35))
    # the break was cut by the workshop's hard start: 10:41 to 10:45, drawn as cut
    assert "outcome-cut" in actual["break"].attrib["class"]
    _at(actual["break"], axis, at("10:41"), timedelta(minutes=4))
    texts = "".join(svg.itertext())
    assert "cut by Workshop" in texts and "+3:00" in texts  # the closing ran 3 min over
    # the talk's +5 min extension is the last five minutes of its actual bar
    (extension,) = _bars(svg, "extension")
    assert extension.attrib["data-slot"] == "talk"
    _at(extension, axis, at("10:36"), timedelta(minutes=5))


def test_stream_and_recording_on_air_are_lanes(tmp_path: Path) -> None:
    _, _, page = _report(tmp_path)
    svg = _svg(page)
    axis = Axis(svg)
    (stream,) = _bars(svg, "stream")
    _at(stream, axis, at("10:01:02"), timedelta(hours=1, minutes=42, seconds=3))
    (recording,) = _bars(svg, "recording")
    _at(recording, axis, at("10:01"), timedelta(hours=1, minutes=42))


def test_turns_alarms_and_holds_of_a_rehearsal(tmp_path: Path) -> None:
    report, prog, page = _report(tmp_path, seed_rehearsal)
    svg = _svg(page)
    axis = Axis(svg)
    panel = next(s for s in report.slots if s.id == "panel")
    turns = [b for b in _bars(svg, "turn-actual") if b.attrib["data-slot"] == "panel"]
    assert len(turns) == len(panel.turns) == 7
    for bar, turn in zip(turns, panel.turns, strict=True):
        assert turn.actual_start is not None and turn.length is not None
        _at(bar, axis, turn.actual_start, turn.length)
    planned_turns = [b for b in _bars(svg, "turn-planned") if b.attrib["data-slot"] == "panel"]
    _at(
        planned_turns[1], axis, panel.planned_start + panel.turns[0].planned, panel.turns[1].planned
    )
    marks = [p for p in svg.iter(f"{SVG}polygon") if p.attrib.get("class") == "alarm"]
    assert [datetime.fromisoformat(m.attrib["data-at"]) for m in marks] == [
        a.at for a in report.alarms
    ]
    assert any("OBS disconnected" in "".join(m.itertext()) for m in marks)
    holds = [a.at for a in report.actions if a.kind in ("hold", "release")]
    (band,) = _bars(svg, "hold")
    _at(band, axis, holds[0], holds[1] - holds[0])


def test_the_page_is_self_contained_and_keeps_the_tables(tmp_path: Path) -> None:
    report, prog, page = _report(tmp_path)
    for outside in ("<script", "<link", " src=", "url(", "@import"):
        assert outside not in page
    assert page.replace('xmlns="http://www.w3.org/2000/svg"', "").count("://") == 0
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<h2>Slots</h2>" in page and "<h2>Operator actions</h2>" in page
    assert "<td>cut by Workshop (hard start)</td>" in page
    assert f"<p>{report.summary}</p>" in page
    assert page.index('<figure id="timeline">') < page.index("<h2>Slots</h2>")


def test_cli_writes_the_html_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, prog = webinar_live(tmp_path)  # its programme.yaml is a stand-in: load the model
    monkeypatch.setattr("timekeeper.programme.loader.load_programme", lambda where: prog)
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--format", "html", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def _png_rgb(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of a non-interlaced 8-bit PNG (Chromium's)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rgb = bytearray(width * 3)
        for j in range(3):
            rgb[j::3] = line[j::bpp]
        rows.append(bytes(rgb))
        prev = line
    return width, height, rows


def _columns_of(rows: list[bytes], colour: str, wider_than: int = 0) -> set[int]:
    """The columns where `colour` is drawn, in rows where it runs more than `wider_than` px
    (a bar is wider than the legend's 14 px swatch)."""
    want = bytes.fromhex(colour.lstrip("#"))
    found: set[int] = set()
    for row in rows:
        here = {i // 3 for i in range(0, len(row), 3) if row[i : i + 3] == want}
        if len(here) > wider_than:
            found |= here
    return found


@pytest.mark.browser
def test_screenshot_in_headless_chromium_draws_the_cut_over_its_minutes(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        reason = "headless Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests")
        pytest.skip(reason)
    _, _, page = _report(tmp_path)
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "report-webinar.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'p'}",
         "--window-size=1280,600", f"--screenshot={shot}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    shutil.copyfile(shot, ARTIFACTS / shot.name)
    width, height, rows = _png_rgb(shot)
    assert (width, height) == (1280, 600)
    svg = _svg(page)
    (cut,) = [b for b in _bars(svg, "actual") if "outcome-cut" in b.attrib["class"]]
    left = 24 + float(cut.attrib["x"])  # the body's margin, then the SVG at its own scale
    drawn = _columns_of(rows, COLOURS["cut"], wider_than=20)
    assert min(drawn) == pytest.approx(left, abs=1.5)
    assert max(drawn) == pytest.approx(left + float(cut.attrib["width"]), abs=2)
    assert _columns_of(rows, COLOURS["done"]) and _columns_of(rows, COLOURS["stream"])
    assert _columns_of(rows, COLOURS["planned"])
