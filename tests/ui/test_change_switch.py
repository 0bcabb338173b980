"""The change dialog and a changed scene of the live slot, on the fake obs-websocket: OBS is
switched to the new scene only when the operator toggles it (s) and accepts (y); by default
it is not. The dialog's rules hold for s: deaf in its first 300 ms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.factories import at
from tests.obs.fake import FakeObs
from tests.show.test_director import PASSWORD, SCENES, until
from tests.ui.conftest import InputClock, input_clock_of, press, screen_text, step
from timekeeper.app.obs_service import ObsService
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.programme.loader import read_programme
from timekeeper.show.changes import ChangeCheck, check_file
from timekeeper.show.session import ShowSession
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.changes import ChangeDialog

SIZE = (100, 40)
SEED = (Path(__file__).resolve().parents[2] / "programme.yaml").read_text(encoding="utf-8")
QUESTIONS = SEED.replace("    scene: Q&A\n", "    scene: Questions\n")


async def _idle() -> None:
    """Tests tick the session themselves."""


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeObs]:
    monkeypatch.setenv("OBS_PASSWORD", PASSWORD)
    async with FakeObs(scenes=[*SCENES, "Questions"], password=PASSWORD) as server:
        yield server


def make(tmp_path: Path, fake: FakeObs) -> tuple[TimekeeperApp, Path, ObsService]:
    """The dashboard at 17:15 (the Q&A live), wired to OBS as `timekeeper run` wires it."""
    path = tmp_path / "programme.yaml"
    path.write_text(SEED, encoding="utf-8")
    programme, _, _ = read_programme(path)
    session = ShowSession(programme, ManualClock(at("17:15"), simulated=True), RunMode.DRESS)
    service = ObsService(session, url_override=fake.url, done_keys=(), on_record=lambda _: None)

    def accept(check: ChangeCheck) -> None:
        assert check.programme is not None
        session.revise(check.programme)

    app = TimekeeperApp(
        session,
        runner=_idle,
        input_clock=InputClock(),
        obs_command=service.command,  # the path of r (the dashboard's keyboard OBS commands)
        accept_change=accept,
    )
    app.reread = lambda: app.offer_change(check_file(session, path))
    return app, path, service


def switches(fake: FakeObs) -> list[object]:
    return [d.get("sceneName") for name, d in fake.requests if name == "SetCurrentProgramScene"]


async def test_s_then_y_accepts_and_switches_obs_to_the_new_scene(
    tmp_path: Path, fake: FakeObs
) -> None:
    app, path, service = make(tmp_path, fake)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await service.start()
        try:
            assert await service.controller.wait_connected(3)
            await step(pilot, "17:15:00")
            await until(lambda: fake.program == "Q&A")
            path.write_text(QUESTIONS, encoding="utf-8")
            await press(pilot, "p")
            assert isinstance(app.screen, ChangeDialog)
            assert "☐ switch OBS to Questions now (s)" in screen_text(app)
            input_clock_of(app).advance(0.1)  # an s in the first 300 ms changes nothing
            await pilot.press("s")
            await pilot.pause()
            assert "☐ switch OBS to Questions now (s)" in screen_text(app)
            await press(pilot, "s")
            assert "☑ switch OBS to Questions now (s)" in screen_text(app)
            await press(pilot, "y")
            assert not isinstance(app.screen, ChangeDialog)
            await until(lambda: fake.program == "Questions")
            assert switches(fake) == ["Q&A", "Questions"]
            assert (
                app.session.programme.slots[app.session.programme.index("qa")].scene == "Questions"
            )
        finally:
            await service.stop()


async def test_by_default_accepting_does_not_switch_obs(tmp_path: Path, fake: FakeObs) -> None:
    app, path, service = make(tmp_path, fake)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await service.start()
        try:
            assert await service.controller.wait_connected(3)
            await step(pilot, "17:15:00")
            await until(lambda: fake.program == "Q&A")
            path.write_text(QUESTIONS, encoding="utf-8")
            await press(pilot, "p", "y")
            assert not isinstance(app.screen, ChangeDialog)
            assert (
                app.session.programme.slots[app.session.programme.index("qa")].scene == "Questions"
            )
            await press(pilot, "r", "y")  # later, r switches to the new scene
            await until(lambda: fake.program == "Questions")
            # nothing was sent on accepting: the one switch after Q&A's is r's
            assert switches(fake) == ["Q&A", "Questions"]
        finally:
            await service.stop()
