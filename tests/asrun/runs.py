"""Recorded runs the report tests read: the worked example live, and a seed rehearsal."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.asrun.rig import Rig, on_disk, play
from tests.factories import at, seed, webinar
from timekeeper.asrun import log as logmod
from timekeeper.core.engine import ActionKind as K
from timekeeper.core.programme import Programme


def webinar_live(folder: Path) -> tuple[Path, Programme]:
    """docs/timing.md's worked example as a live show, with the OBS director's records."""
    prog = on_disk(webinar(), folder)
    rig = Rig(prog, at("09:50"))
    rig.to("09:59:30")
    rig.obs("obs_connected")
    rig.to("10:01")
    rig.act(K.NEXT)
    rig.obs("scene_switch_confirmed", scene="Welcome", slot="welcome", confirm_delay=60)
    rig.obs("action_done", key="welcome:on_start:start_recording")
    rig.obs("action_done", key="welcome:on_start:start_streaming")
    rig.to("10:01:02")
    rig.obs("stream_started")
    for when, scene, delay in [
        ("10:06", "Talk", 70),
        ("10:30", None, 0),
        ("10:41", "Break", 90),
        ("10:45", "Workshop", 85),
        ("11:30", "Closing", 75),
    ]:
        rig.to(when)
        if scene is None:
            rig.act(K.EXTEND, 5)
        else:
            rig.obs("scene_switch_confirmed", scene=scene, slot=scene.lower(), confirm_delay=delay)
    rig.to("11:43")
    rig.act(K.NEXT)
    rig.obs("action_done", key="closing:on_end:stop_recording")
    rig.to("11:43:05")
    rig.obs("stream_stopped")
    rig.run.log.close()
    return rig.path, prog


@contextmanager
def disk_full() -> Iterator[None]:
    def write_all(fd: int, line: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    saved = logmod._write_all
    logmod._write_all = write_all
    try:
        yield
    finally:
        logmod._write_all = saved


def seed_rehearsal(folder: Path) -> tuple[Path, Programme]:
    """The seed event rehearsed at 20× with overruns, a crash, OBS trouble and a full disk."""
    prog = on_disk(seed(), folder)
    kw: dict[str, object] = {"speed": 20, "simulated": True, "mode": "dress", "rehearsal": True}
    rig = Rig(prog, at("15:25"), **kw)  # type: ignore[arg-type]
    rig.obs("obs_connected")
    switches = [
        ("15:30", "Intro", "introduction", 80),
        ("15:35", "Keynote", "keynote", 120),
        ("16:20", "Panel", "panel", 1450),
    ]
    for when, scene, slot_id, delay in switches:
        play(rig, when)
        if slot_id == "panel":
            rig.obs("scene_switch_failed", scene=scene, slot=slot_id, error="OBS did not answer")
        rig.obs("scene_switch_confirmed", scene=scene, slot=slot_id, confirm_delay=delay)
    play(rig, "16:33")
    rig.wait_real(3)  # killed; restarted 3 real seconds (one pretend minute) later
    rig.crash()
    rig = Rig(prog, at("15:25"), real=rig.real, **kw)  # type: ignore[arg-type]
    play(rig, "16:50")
    rig.obs("obs_disconnected", reason="connection lost")
    play(rig, "16:51")
    rig.obs("obs_connected")
    play(rig, "17:00")
    with disk_full():
        rig.session.set_message("Please wrap up", flash=True)
        play(rig, "17:01")
    play(rig, "17:20")
    rig.obs("scene_switch_confirmed", scene="Q&A", slot="qa", confirm_delay=95)
    play(rig, "17:45")
    rig.obs("scene_switch_confirmed", scene="Reception", slot="reception", confirm_delay=110)
    play(rig, "19:00")
    rig.run.log.close()
    return rig.path, prog
