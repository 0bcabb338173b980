"""The cut list written out: CSV, JSON, an ffmpeg concat list, a CMX 3600 EDL, ffmetadata chapters.

Owns `Named` (a cut with the slot's title and the file name its split copy
gets) and every text rendering of a cut list. Offsets are seconds from the
start of the recording file, to the millisecond; the EDL's timecodes are at
the recording's frame rate. It must not read logs or run ffmpeg.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from timekeeper.cuts.timeline import Cut

CSV_FIELDS = (
    "slot", "part", "title", "file", "in", "out", "duration", "start", "end", "guid", "slug",
    "name",
)  # fmt: skip


@dataclass(frozen=True)
class Named:
    """A cut as a video team reads it."""

    cut: Cut
    title: str
    guid: str
    slug: str
    name: str  # the split file's name, without extension

    def row(self) -> dict[str, str | int | float | None]:
        c = self.cut
        return {
            "slot": c.slot,
            "part": c.part,
            "title": self.title,
            "file": c.path,
            "in": c.inpoint,
            "out": c.outpoint,
            "duration": round(c.duration, 3),
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "guid": self.guid,
            "slug": self.slug,
            "name": self.name,
        }


def to_csv(cuts: Sequence[Named]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for named in cuts:
        writer.writerow({k: "" if v is None else v for k, v in named.row().items()})
    return out.getvalue()


def to_json(
    cuts: Sequence[Named],
    *,
    log: str,
    left_out: Sequence[dict[str, str]],
    warnings: Sequence[str],
    notes: Sequence[str] = (),
) -> str:
    doc = {
        "log": log,
        "cuts": [n.row() for n in cuts],
        "left_out": list(left_out),
        "warnings": list(warnings),
        "notes": list(notes),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def to_concat(cuts: Sequence[Named]) -> str:
    """ffmpeg's concat demuxer list (`ffmpeg -f concat -safe 0 -i LIST`), one entry per piece."""
    lines = ["ffconcat version 1.0"]
    for named in cuts:
        c = named.cut
        if c.path is None:
            lines.append(f"# {c.slot} part {c.part}: file unknown")
            continue
        lines += [
            f"# {c.slot} part {c.part}: {_one_line(named.title)}",
            f"file {_quote(c.path)}",
            f"inpoint {c.inpoint:.3f}",
            f"outpoint {c.outpoint:.3f}",
        ]
    return "\n".join(lines) + "\n"


def timecode(frames: int, fps: int) -> str:
    f = frames % fps
    s = frames // fps
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{f:02d}"


def to_edl(cuts: Sequence[Named], *, title: str, fps: int) -> str:
    """A CMX 3600 edit decision list: one video event per piece, the file as its clip name;
    the record side runs on, each event as many frames long as its source side."""
    lines = [f"TITLE: {_one_line(title)[:70]}", "FCM: NON-DROP FRAME", ""]
    record = 0
    for number, named in enumerate((n for n in cuts if n.cut.path is not None), start=1):
        c = named.cut
        src_in, src_out = round(c.inpoint * fps), round(c.outpoint * fps)
        rec_out = record + src_out - src_in
        lines.append(
            f"{number:03d}  AX{number:03d}    V     C        "
            f"{timecode(src_in, fps)} {timecode(src_out, fps)} "
            f"{timecode(record, fps)} {timecode(rec_out, fps)}"
        )
        lines.append(f"* FROM CLIP NAME: {Path(c.path or '').name}")
        lines.append(f"* COMMENT: {c.slot} {_one_line(named.title)}")
        lines.append("")
        record = rec_out
    return "\n".join(lines)


def to_ffmetadata(cuts: Sequence[Named]) -> str:
    """Chapters for one recording (`ffmpeg -i REC -i CHAPTERS -map_metadata 1 -codec copy …`)."""
    lines = [";FFMETADATA1"]
    for named in cuts:
        c = named.cut
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={math.floor(c.inpoint * 1000)}",
            f"END={math.floor(c.outpoint * 1000)}",
            f"title={_escape(named.title)}",
        ]
    return "\n".join(lines) + "\n"


def _quote(path: str) -> str:
    return "'" + path.replace("'", "'\\''") + "'"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _escape(text: str) -> str:
    """ffmetadata escapes '=', ';', '#', '\\' and newlines with a backslash."""
    out = _one_line(text)
    for ch in "\\=;#":
        out = out.replace(ch, "\\" + ch)
    return out
