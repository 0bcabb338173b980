"""The video side of bench_obs_frames.py: a solid colour per scene, the recording decoded.

Owns painting OBS's scenes (one full-canvas colour source each) and reading a
recording back frame by frame (`ffprobe` for each frame's timestamp, `ffmpeg`
scaled to 4×4 pixels for its colour), so the benchmark can say which scene each
frame shows.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.obs.headless import HeadlessObs

# One solid colour per scene: OBS's colour source takes ABGR, the decoded frames give RGB.
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (255, 255, 0), (255, 0, 255)]


def abgr(rgb: tuple[int, int, int]) -> int:
    r, g, b = rgb
    return 0xFF000000 | (b << 16) | (g << 8) | r


def paint_scenes(obs: HeadlessObs) -> None:
    """A full-canvas colour source on top of each scene."""
    w, h = obs.size
    with obs.session() as s:
        for scene, rgb in zip(obs.scenes, COLOURS, strict=False):
            settings = {"color": abgr(rgb), "width": w, "height": h}
            s.request(
                "CreateInput",
                {
                    "sceneName": scene,
                    "inputName": f"colour {scene}",
                    "inputKind": "color_source_v3",
                    "inputSettings": settings,
                },
            )


@dataclass
class Frames:
    times: list[float]  # seconds from the recording's first frame
    scenes: list[int]  # index of the scene whose colour it shows (-1: none)


def decode(path: Path, n_scenes: int) -> Frames:
    """Every frame's timestamp (ffprobe) and colour (ffmpeg, scaled to 4×4 pixels)."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=pts_time", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    times = [float(t.strip(",")) for t in probe if t.strip(",")]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "passthrough",
         "-vf", "scale=4:4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    size = 4 * 4 * 3
    scenes = []
    for i in range(len(raw) // size):
        px = raw[i * size : (i + 1) * size]
        mean = [sum(px[c::3]) / 16 for c in range(3)]
        dist = [sum((m - c) ** 2 for m, c in zip(mean, col, strict=True)) for col in COLOURS]
        best = min(range(n_scenes), key=lambda j: dist[j])
        scenes.append(best if dist[best] < 60**2 * 3 else -1)
    first = times[0]
    return Frames([t - first for t in times[: len(scenes)]], scenes)
