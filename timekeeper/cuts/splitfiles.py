"""A recording OBS split into several files: the cuts spread over them.

OBS's automatic file splitting (Settings → Output → Recording, OBS 28+)
writes one recording as several files, one after the other without a gap, and
obs-websocket 5.1 says nothing when it starts the next: the log names the first
file at the start and the last at the stop. Owns `files_between` (the files
of the same kind in the first file's folder, from the first to the last by name,
as OBS names them by time) and `spread` (each cut of the recording's continuous
timeline moved to the file it falls in, a cut across a file boundary becoming
two pieces). How long each file is comes from the caller (ffprobe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from timekeeper.cuts.timeline import Cut


def files_between(first: Path, last: Path) -> list[Path]:
    """The files of a split recording, in order (OBS names them by the time they began)."""
    if not first.is_file() or not last.is_file() or first.parent != last.parent:
        return []
    return sorted(
        p
        for p in first.parent.iterdir()
        if p.is_file() and p.suffix == first.suffix and first.name <= p.name <= last.name
    )


def spread(cuts: Sequence[Cut], first: str, files: Sequence[tuple[str, float]]) -> list[Cut]:
    """`cuts` whose file is `first` (offsets on the whole recording's timeline) spread over
    `files` (path, duration in seconds, in order); other cuts are left as they are."""
    out: list[Cut] = []
    for cut in cuts:
        if cut.path != first:
            out.append(cut)
            continue
        begin = 0.0
        for path, length in files:
            end = begin + length
            lo, hi = max(cut.inpoint, begin), min(cut.outpoint, end)
            if hi > lo:
                out.append(
                    replace(
                        cut,
                        path=path,
                        inpoint=_ms(lo - begin),
                        outpoint=_ms(hi - begin),
                        start=cut.start + timedelta(seconds=lo - cut.inpoint),
                        end=cut.start + timedelta(seconds=hi - cut.inpoint),
                    )
                )
            begin = end
    return renumber(out)


def renumber(cuts: Sequence[Cut]) -> list[Cut]:
    """Parts 1, 2, … per slot, in order."""
    seen: dict[str, int] = {}
    out = []
    for cut in cuts:
        seen[cut.slot] = seen.get(cut.slot, 0) + 1
        out.append(replace(cut, part=seen[cut.slot]))
    return out


def _ms(seconds: float) -> float:
    return round(seconds, 3)
