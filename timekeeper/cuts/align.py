"""Where each cut really is, measured in the recording's picture.

OBS 29 does not say when the first frame of a recording was taken: its
`RecordStateChanged` arrives 0–2 frames before it under load (OBS drops the
video frames that precede the first audio packet), and GetRecordStatus's
timecode lags by the encoder's delay (measured: 150 ms with x264 on two
cores). The cut points of a log are therefore a frame or two late or early.
But the log knows when each scene switch reached OBS, and a scene switch is
a change in the picture: `measure` decodes one second of low-resolution
greyscale around each predicted change (ffmpeg), finds the frame where the
picture changes most, and `offset` is the median of those differences (none
when no change is clear: scenes that look alike, a slot without a scene).
Subtracting it from a file's offsets puts every cut on the frame.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
from collections.abc import Iterable
from pathlib import Path

from timekeeper.cuts.split import Media, SplitError, tools

W, H = 32, 18
WINDOW = 1.0  # seconds decoded around each predicted change
MIN_CHANGE = 12.0  # mean absolute grey-level difference that counts as a scene change
MAX_OFFSET = 0.5  # a larger correction is not this kind of error: left alone


def measure(path: Path, media: Media, predicted: float) -> float | None:
    """The offset (seconds from the file's start) of the picture change nearest `predicted`."""
    ffmpeg, _ = tools()
    frame = media.frame
    first = max(0, round((predicted - WINDOW / 2) / frame))
    seek = media.start + first * frame - 0.0005  # just before the frame: it is the first out
    done = subprocess.run(
        [ffmpeg, "-nostdin", "-v", "error", "-ss", f"{max(seek, 0):.6f}", "-i", str(path),
         "-t", f"{WINDOW:.3f}", "-map", "0:v:0", "-vf", f"scale={W}:{H}", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise SplitError(f"ffmpeg could not decode {path}: {done.stderr.decode(errors='replace')}")
    size = W * H
    frames = [done.stdout[i : i + size] for i in range(0, len(done.stdout) - size + 1, size)]
    diffs = [
        sum(abs(a - b) for a, b in zip(x, y, strict=True)) / size
        for x, y in itertools.pairwise(frames)
    ]
    if not diffs or max(diffs) < MIN_CHANGE:
        return None
    k = diffs.index(max(diffs)) + 1  # the first frame of the new picture
    return (first + k) * frame


def changes(path: Path, media: Media, predicted: Iterable[float]) -> dict[float, float]:
    """Each predicted change (seconds from the file's start) -> where the picture changes,
    for those with a clear change within MAX_OFFSET."""
    found = {}
    for p in predicted:
        if WINDOW / 2 < p < media.duration - WINDOW / 2:
            seen = measure(path, media, p)
            if seen is not None and abs(p - seen) <= MAX_OFFSET:
                found[p] = round(seen, 3)
    return found


def offset(found: dict[float, float]) -> float | None:
    """How much later the log puts the picture changes than the file shows them (seconds):
    the median, applied to the edges whose own change is not clear."""
    return round(statistics.median(p - s for p, s in found.items()), 3) if found else None
