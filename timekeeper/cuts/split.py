"""One file per talk, cut from the recording with ffmpeg, to the frame.

Owns `split_one`: where the recording's keyframes are (ffprobe), and how a
piece is cut — stream copy when its in point is a keyframe (exact, nothing
re-encoded), else the first GOP re-encoded up to the next keyframe and the rest
copied, joined with ffmpeg's concat demuxer (`smart`), else (no keyframe
inside the piece, or a codec other than H.264/HEVC) the piece re-encoded
whole (`re-encoded`). The method is returned so the command can say which.
Runs only `ffmpeg`/`ffprobe` found on PATH, with argument lists (no shell).
"""

from __future__ import annotations

import bisect
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from timekeeper.errors import TimekeeperError

INSTALL = "install Debian's ffmpeg (apt-get install ffmpeg)"
MIN_HEAD = 3  # frames: a re-encoded head shorter than this takes the next GOP too
ANNEXB = {"h264": ("h264_mp4toannexb", "libx264"), "hevc": ("hevc_mp4toannexb", "libx265")}


class SplitError(TimekeeperError):
    """ffmpeg or ffprobe is missing, or failed on a recording."""


@dataclass(frozen=True)
class Media:
    """What the cut needs to know about a recording."""

    start: float  # the first packet's time: offsets count from it
    fps: Fraction
    codec: str
    pix_fmt: str
    keyframes: tuple[float, ...]  # video keyframe times, ascending
    duration: float = 0.0

    @property
    def frame(self) -> float:
        return float(1 / self.fps) if self.fps else 1 / 30


@dataclass(frozen=True)
class Split:
    path: Path
    method: str  # copy | smart | re-encoded
    reencoded: float  # seconds of video re-encoded

    @property
    def note(self) -> str:
        if self.method == "copy":
            return "copy: starts on a keyframe, nothing re-encoded"
        if self.method == "smart":
            return f"smart: first {self.reencoded:.3f} s re-encoded up to a keyframe, rest copied"
        return f"re-encoded: all {self.reencoded:.3f} s (no keyframe inside to copy from)"


def tools() -> tuple[str, str]:
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if ffmpeg is None or ffprobe is None:
        raise SplitError(f"--split needs ffmpeg and ffprobe, which are not on PATH: {INSTALL}")
    return ffmpeg, ffprobe


def probe(path: Path) -> Media:
    """The recording's start, frame rate, codec and keyframes (one ffprobe pass over packets)."""
    _, ffprobe = tools()
    head = _run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,pix_fmt,avg_frame_rate,r_frame_rate:format=start_time,duration",
         "-of", "json", str(path)]
    )  # fmt: skip
    info = json.loads(head)
    streams = info.get("streams") or []
    if not streams:
        raise SplitError(f"{path} has no video stream")
    stream = streams[0]
    rate = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    packets = _run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "packet=pts_time,flags", "-of", "csv=p=0", str(path)]
    )  # fmt: skip
    keys = sorted(
        float(t)
        for t, _, flags in (line.partition(",") for line in packets.splitlines())
        if "K" in flags and t not in ("", "N/A")
    )
    fmt = info.get("format", {})
    return Media(
        float(fmt.get("start_time") or 0.0), rate or Fraction(30), str(stream.get("codec_name")),
        str(stream.get("pix_fmt")), tuple(keys), float(fmt.get("duration") or 0.0),
    )  # fmt: skip


def split_one(source: Path, media: Media, inpoint: float, outpoint: float, dest: Path) -> Split:
    """Cut [inpoint, outpoint) seconds (from the file's start) of `source` into `dest`: from
    the frame nearest the in point to the one before the frame nearest the out point."""
    ffmpeg, _ = tools()
    half = media.frame / 2
    # on the frame grid, a hair early: ffmpeg keeps frames at or after -ss, before -ss + -t
    t_in = media.start + round(inpoint / media.frame) * media.frame - 0.0005
    t_out = media.start + round(outpoint / media.frame) * media.frame - 0.0005
    i = bisect.bisect_left(media.keyframes, t_in - half)
    key = media.keyframes[i] if i < len(media.keyframes) else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    if key is not None and abs(key - t_in) <= half:
        _run([ffmpeg, "-nostdin", "-y", "-v", "error", "-ss", f"{key:.6f}", "-i", str(source),
              "-t", f"{t_out - key:.6f}", "-map", "0", "-c", "copy",
              "-avoid_negative_ts", "make_zero", str(dest)])  # fmt: skip
        return Split(dest, "copy", 0.0)
    if key is not None and key - t_in < MIN_HEAD * media.frame and i + 1 < len(media.keyframes):
        key = media.keyframes[i + 1]  # a head of a frame or two is too short for the TS demuxer
    if key is None or key >= t_out - half or media.codec not in ANNEXB:
        _encode(ffmpeg, source, media, t_in, t_out - t_in, dest)
        return Split(dest, "re-encoded", round(t_out - t_in, 3))
    bsf, _ = ANNEXB[media.codec]
    with tempfile.TemporaryDirectory(prefix="timekeeper-cut-") as tmp:
        head, tail, listing = Path(tmp, "head.ts"), Path(tmp, "tail.ts"), Path(tmp, "list.txt")
        _encode(ffmpeg, source, media, t_in, key - half - t_in, head)  # up to the keyframe
        _run([ffmpeg, "-nostdin", "-y", "-v", "error", "-ss", f"{key:.6f}", "-i", str(source),
              "-t", f"{t_out - key:.6f}", "-map", "0:v:0", "-map", "0:a?", "-c", "copy",
              "-bsf:v", bsf, "-f", "mpegts", str(tail)])  # fmt: skip
        listing.write_text(f"file '{head}'\nfile '{tail}'\n", encoding="utf-8")
        _run([ffmpeg, "-nostdin", "-y", "-v", "error", "-f", "concat", "-safe", "0",
              "-i", str(listing), "-map", "0", "-c", "copy", str(dest)])  # fmt: skip
    return Split(dest, "smart", round(key - t_in, 3))


def _encode(ffmpeg: str, source: Path, media: Media, at: float, length: float, dest: Path) -> None:
    """Re-encode `length` seconds from `at` (frame-exact: ffmpeg decodes from the keyframe
    before and drops what precedes `at`)."""
    _, encoder = ANNEXB.get(media.codec, ("", "libx264"))
    fmt = ["-f", "mpegts"] if dest.suffix == ".ts" else []
    pix = ["-pix_fmt", media.pix_fmt] if media.pix_fmt not in ("", "None") else []
    _run([ffmpeg, "-nostdin", "-y", "-v", "error", "-ss", f"{at:.6f}", "-i", str(source),
          "-t", f"{length:.6f}", "-map", "0:v:0", "-map", "0:a?", "-c:v", encoder, *pix,
          "-preset", "veryfast", "-crf", "16", "-c:a", "aac", *fmt, str(dest)])  # fmt: skip


def _rate(value: object) -> Fraction | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=3600)
    except OSError as exc:
        raise SplitError(f"cannot run {argv[0]}: {exc} ({INSTALL})") from exc
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise SplitError(f"{Path(argv[0]).name} failed on {argv[-1]}: {' / '.join(tail)}")
    return done.stdout
