"""The fence on the wire (`fenced_port.FencedPort`), against the fake OBS: every request
that changes OBS asks `clear` first and is not sent when refused; reads pass untouched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.obs.fake import FakeObs
from timekeeper.obs.client import ObsClient
from timekeeper.obs.fenced_port import FencedOff, FencedPort

from .conftest import PASSWORD

CHANGES: dict[str, Callable[[FencedPort], Awaitable[Any]]] = {
    "SetCurrentProgramScene": lambda p: p.set_current_program_scene("Keynote"),
    "switch": lambda p: p.switch("Keynote", transition="Cut"),
    "SetCurrentPreviewScene": lambda p: p.set_current_preview_scene("Panel"),
    "SetStudioModeEnabled": lambda p: p.set_studio_mode(True),
    "TriggerStudioModeTransition": lambda p: p.trigger_studio_mode_transition(),
    "SetCurrentSceneTransition": lambda p: p.set_current_scene_transition("Cut"),
    "SetInputSettings": lambda p: p.set_text("Countdown", "4:59"),
    "StartStream": lambda p: p.start_stream(),
    "StopStream": lambda p: p.stop_stream(),
    "StartRecord": lambda p: p.start_record(),
    "StopRecord": lambda p: p.stop_record(),
}


async def test_a_refused_request_never_reaches_obs_and_reads_pass(fake: FakeObs) -> None:
    asked: list[str] = []

    async def refuse(request: str) -> None:
        asked.append(request)
        raise FencedOff(request, "standby")

    client = ObsClient(fake.url, PASSWORD)
    port = FencedPort(client, refuse)
    await port.connect()
    try:
        for name, call in CHANGES.items():
            with pytest.raises(FencedOff):
                await call(port)
            assert len(asked) == list(CHANGES).index(name) + 1, name
        assert await port.get_current_program_scene() == "Holding"
        assert not (await port.get_stream_status()).active
        await port.broadcast_custom_event({"kind": "timekeeper.run"})  # announcing is no change
        sent = {t for t, _ in fake.requests}
        assert sent >= {"GetCurrentProgramScene", "GetStreamStatus", "BroadcastCustomEvent"}
        assert not sent & {
            "SetCurrentProgramScene",
            "SetCurrentPreviewScene",
            "SetStudioModeEnabled",
            "TriggerStudioModeTransition",
            "SetCurrentSceneTransition",
            "SetInputSettings",
            "StartStream",
            "StopStream",
            "StartRecord",
            "StopRecord",
        }
        assert len(asked) == len(CHANGES)  # the reads asked nothing
    finally:
        await port.close()


async def test_a_cleared_request_is_sent(fake: FakeObs) -> None:
    async def allow(request: str) -> None:
        return None

    port = FencedPort(ObsClient(fake.url, PASSWORD), allow)
    await port.connect()
    try:
        await port.start_record()
        assert fake.count("StartRecord") == 1
    finally:
        await port.close()
