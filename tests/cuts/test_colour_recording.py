"""The proof is the picture: a live show recorded by real OBS, each scene a solid colour.

`timekeeper run --headless` drives a headless OBS (tests/obs/headless.py) through
a short live show on the real clock; every slot's scene holds one full-frame
`color_source_v3` of its own colour, so the recording says by its pixels which
slot was on air. The recording is decoded with Debian's ffmpeg to tiny raw
frames. Checked: `timekeeper cuts` (the real CLI) puts every in and out point
where the colour really changes (within one frame), and every file `--split`
writes starts and ends on its slot's colour (within one frame), copy or smart.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from tests.e2e.runner import Run, cli, environment, run_argv
from tests.obs.headless import HeadlessObs, HeadlessObsError, obs_missing_reason, reset

pytestmark = pytest.mark.obs

FPS = 30
FRAME = 1 / FPS
# scene -> RGB; Holding (black) is on program before and after the show
COLOURS = {
    "Holding": (0, 0, 0),
    "Red": (255, 0, 0),
    "Green": (0, 255, 0),
    "Blue": (0, 0, 255),
    "Yellow": (255, 255, 0),
    "Magenta": (255, 0, 255),
}
SLOTS = ["Red", "Green", "Blue", "Yellow", "Magenta"]
SECRET_SLOT = "s3"  # Blue: do_not_record
SLOT_SECONDS = 3
W, H = 16, 9
SPEED = 4  # the dress rehearsal's pretend clock: four show seconds to the real one
KEYINT = 20  # frames between keyframes in the test's recording (2/3 s)


@dataclass
class Show:
    programme: ProgrammeFile
    log: Path
    recording: Path
    env: dict[str, str]
    frames: list[str]  # colour name of each frame of the recording


def abgr(rgb: tuple[int, int, int]) -> int:
    r, g, b = rgb
    return (0xFF << 24) | (b << 16) | (g << 8) | r


def colour_of(pixels: bytes) -> str:
    n = len(pixels) // 3
    mean = tuple(sum(pixels[i::3]) / n for i in range(3))
    return min(
        COLOURS, key=lambda k: sum((a - b) ** 2 for a, b in zip(COLOURS[k], mean, strict=True))
    )


def decode(path: Path) -> list[str]:
    """Each frame's colour (ffmpeg to W×H RGB, every frame kept as it is in the file)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-vsync", "passthrough",
         "-vf", f"scale={W}:{H}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    size = W * H * 3
    return [colour_of(raw[i : i + size]) for i in range(0, len(raw) - size + 1, size)]


def runs(frames: list[str]) -> list[tuple[str, int, int]]:
    """(colour, first frame, end frame) of each run of one colour."""
    out: list[tuple[str, int, int]] = []
    for i, c in enumerate(frames):
        if out and out[-1][0] == c:
            out[-1] = (c, out[-1][1], i + 1)
        else:
            out.append((c, i, i + 1))
    return out


class ShortGopObs(HeadlessObs):
    """Keyframes every KEYINT frames, so slot boundaries fall inside GOPs (smart cuts)."""

    def seed(self) -> None:
        super().seed()
        ini = self.config / "obs-studio" / "basic" / "profiles" / "Headless" / "basic.ini"
        text = ini.read_text().replace(
            "[SimpleOutput]\n", f"[SimpleOutput]\nUseAdvanced=true\nx264Settings=keyint={KEYINT}\n"
        )
        ini.write_text(text)


@pytest.fixture(scope="module")
def colour_obs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadlessObs]:
    reason = obs_missing_reason() or (None if shutil.which("ffmpeg") else "ffmpeg missing")
    if reason is not None:
        pytest.skip(f"real OBS and ffmpeg needed: {reason}")
    obs = ShortGopObs(Path(tmp_path_factory.mktemp("colour-obs")), scenes=tuple(COLOURS), fps=FPS)
    try:
        obs.start()
    except HeadlessObsError as exc:
        pytest.fail(f"could not start OBS headless: {exc}")
    try:
        with obs.session() as s:
            w, h = obs.size
            for scene, rgb in COLOURS.items():
                s.request(
                    "CreateInput",
                    {"sceneName": scene, "inputName": f"Colour {scene}",
                     "inputKind": "color_source_v3",
                     "inputSettings": {"color": abgr(rgb), "width": w, "height": h}},
                )  # fmt: skip
        reset(obs)
        yield obs
    finally:
        obs.stop()


@pytest.fixture(scope="module", params=["live", "dress"])
def show(
    colour_obs: HeadlessObs,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Show:
    """The show recorded: `live` on the real clock, starting and stopping the recording by
    its slots' actions; `dress` a dress rehearsal at SPEED× on a pretend clock (rehearsals never
    touch outputs, so the test records, and --allow-live-outputs lets the scenes switch)."""
    mode = request.param
    reset(colour_obs)  # Holding (black) on program, Cut transitions, not recording
    tmp = tmp_path_factory.mktemp(f"colour-{mode}")
    before = set(colour_obs.recordings.iterdir())
    speed = SPEED if mode == "dress" else 1
    seconds = SLOT_SECONDS * speed
    specs = [SlotSpec(f"Talk {c}", seconds, c) for c in SLOTS]
    if mode == "live":
        specs[0] = SlotSpec("Talk Red", seconds, "Red", on_start=["start_recording"])
        specs[-1] = SlotSpec("Talk Magenta", seconds, "Magenta", on_end=["stop_recording"])
    path = tmp / "programme.yaml"
    lead = 3.0 if mode == "live" else 8.0
    programme = write_programme(path, colour_obs.url, specs, lead=lead, title="Colour show")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["slots"][2]["do_not_record"] = True
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    env = environment({PASSWORD_ENV: colour_obs.password})
    (tmp / "runs").mkdir()
    log = tmp / "runs" / f"{mode}.jsonl"
    extra: list[str] = []
    if mode == "dress":
        pretend = programme.start - timedelta(seconds=lead * speed)
        extra = ["--at", pretend.isoformat(), "--speed", str(speed), "--allow-live-outputs"]
    run = Run(run_argv(path, log, *extra), env)
    try:
        if mode == "dress":
            run.wait_for("obs_connected", timeout=lead + 10)
            colour_obs.request("StartRecord")
            run.wait_for("show_ended", timeout=len(SLOTS) * SLOT_SECONDS + lead + 30)
            colour_obs.request("StopRecord")
        code = run.finish(timeout=len(SLOTS) * SLOT_SECONDS + lead + 30)
    finally:
        run.close()
    assert code == 0, run.text()[-3000:]
    deadline = time.monotonic() + 10  # StopRecord answers before the file is closed
    while colour_obs.request("GetRecordStatus")["outputActive"] and time.monotonic() < deadline:
        time.sleep(0.05)
    new = sorted(set(colour_obs.recordings.iterdir()) - before)
    assert len(new) == 1, new
    frames = decode(new[0])
    print(mode, "recording:", runs(frames))
    return Show(programme, log, new[0], env, frames)


def cuts_json(show: Show, *extra: str) -> dict[str, Any]:
    done = cli("cuts", str(show.log), "--format", "json", *extra, env=show.env, timeout=120)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def cut_errors(show: Show, doc: dict[str, Any], tolerance: float) -> list[float]:
    """Each in and out point minus where the colour really changes (seconds); asserts each
    within `tolerance`."""
    cuts = {c["slot"]: c for c in doc["cuts"]}
    colour_runs = {c: (a, b) for c, a, b in runs(show.frames) if c != "Holding"}
    assert set(colour_runs) == set(SLOTS), runs(show.frames)
    errors = []
    for i, colour in enumerate(SLOTS):
        slot = f"s{i + 1}"
        if slot == SECRET_SLOT:
            continue
        first, end = colour_runs[colour]
        cut = cuts[slot]
        # the recording starts on Red (the in point is the file's start) and stops a little
        # after the show ends on Magenta (no change there: the out point is at most the end)
        errors.append(cut["in"] - first * FRAME)
        if end < len(show.frames):
            errors.append(cut["out"] - end * FRAME)
        else:
            assert cut["out"] <= end * FRAME + FRAME, (slot, cut, end)
    assert all(abs(e) <= tolerance for e in errors), ([round(e * 1000) for e in errors], doc)
    return errors


def test_cuts_agree_with_the_colour_changes_in_the_recording(show: Show) -> None:
    doc = cuts_json(show)
    cuts = {c["slot"]: c for c in doc["cuts"]}
    # the do_not_record talk is left out, and says so
    assert SECRET_SLOT not in cuts
    assert {"slot": SECRET_SLOT, "reason": "do_not_record"} in doc["left_out"]
    assert set(cuts) == {"s1", "s2", "s4", "s5"}
    assert all(c["file"] == str(show.recording) for c in cuts.values())
    # from the log alone: OBS's start event is 0-2 frames off the first frame under load
    from_log = cut_errors(show, doc, 3 * FRAME)
    # aligned on the picture: on the frame
    aligned = cut_errors(show, cuts_json(show, "--align"), FRAME / 2)
    print("cut minus colour change, ms: log only", [round(e * 1000) for e in from_log],
          "aligned", [round(e * 1000) for e in aligned])  # fmt: skip


def test_every_split_file_starts_and_ends_on_its_slots_colour(show: Show, tmp_path: Path) -> None:
    out = tmp_path / "talks"
    done = cli("cuts", str(show.log), "--split", str(out), env=show.env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "cuts.json").read_text(encoding="utf-8"))
    assert [c["slot"] for c in report["cuts"]] == ["s1", "s2", "s4", "s5"]
    for row in report["cuts"]:
        colour = SLOTS[int(row["slot"][1:]) - 1]
        path = Path(row["split"])
        assert path.name == f"0{row['slot'][1:]}-{row['slot']}.mkv"
        assert row["method"] in ("copy", "smart", "re-encoded")
        assert f"{row['slot']}: {path} ({row['method']}" in done.stdout
        frames = decode(path)
        assert frames and set(frames) == {colour}, (row, runs(frames))
        expected = round(row["out"] * FPS) - round(row["in"] * FPS)
        assert len(frames) == expected, (row, len(frames))
        print(row["slot"], row["method"], runs(frames))


def test_obs_29_has_no_record_chapters_to_write(colour_obs: HeadlessObs) -> None:
    """obs-websocket's CreateRecordChapter came with 5.5 (OBS 30.2, Hybrid MP4 only): the
    OBS here (29, obs-websocket 5.1) does not offer it, so cuts writes ffmetadata files only."""
    version = colour_obs.request("GetVersion")
    assert version["obsWebSocketVersion"].startswith("5.1")
    assert "CreateRecordChapter" not in version["availableRequests"]
