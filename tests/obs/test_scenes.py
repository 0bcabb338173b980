"""OBS's scene list followed live: renames and removals of the programme's scenes, said once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.obs.fake import FakeObs
from timekeeper.obs.status import MissingScene, ObsState, ObsStatus
from timekeeper.ui.obspanel import describe_obs

from .conftest import ControllerFactory

USES = {"Intro": ("intro",), "Keynote": ("keynote", "reprise"), "Panel": ("panel",)}


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_a_renamed_scene_is_missing_with_its_new_name_said_once_and_back_when_renamed_back(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = make_controller(fake.url, scene_uses=USES)
    await ctl.start()
    assert await ctl.wait_connected(3)
    assert ctl.status.scenes == ("Holding", "Intro", "Keynote", "Panel", "Q&A")
    assert not ctl.status.missing_scenes

    fake.rename_scene("Keynote", "Keynote 2")
    missing = await rec.wait_for("scene_missing")
    assert (missing.scene, missing.cause, missing.suggestion) == ("Keynote", "renamed", "Keynote 2")
    assert missing.slots == ("keynote", "reprise")
    assert "renamed to 'Keynote 2'" in missing.message
    await until(lambda: ctl.status.scenes is not None and "Keynote 2" in ctl.status.scenes)
    assert ctl.status.missing_scenes == (
        MissingScene("Keynote", "Keynote 2", ("keynote", "reprise")),
    )
    view = describe_obs(ctl.status)
    assert view.missing_scenes == (("Keynote", "Keynote 2"),)

    fake.rename_scene("Q&A", "Questions")  # the list changes again: no second notice
    await until(lambda: "Questions" in (ctl.status.scenes or ()))
    fake.rename_scene("Keynote 2", "Keynote two")  # renamed on: the suggestion follows
    await until(lambda: ctl.status.missing_scenes[0].suggestion == "Keynote two")
    assert len(rec.of("scene_missing")) == 1

    fake.rename_scene("Keynote two", "Keynote")
    back = await rec.wait_for("scene_back")
    assert back.scene == "Keynote" and not ctl.status.missing_scenes


async def test_a_removed_scene_is_missing_with_the_closest_name(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.scenes.append("Panel wide")
    ctl, rec = make_controller(fake.url, scene_uses=USES)
    await ctl.start()
    assert await ctl.wait_connected(3)
    fake.remove_scene("Panel")
    missing = await rec.wait_for("scene_missing")
    assert (missing.scene, missing.cause, missing.suggestion) == ("Panel", "removed", "Panel wide")
    assert "removed from OBS; closest: 'Panel wide'" in missing.message
    assert "Panel" not in (ctl.status.scenes or ())


async def test_renaming_the_program_scene_renames_it_on_the_panel(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = make_controller(fake.url, scene_uses=USES)
    await ctl.start()
    assert await ctl.wait_connected(3)
    assert ctl.status.program_scene == "Holding"
    fake.rename_scene("Holding", "Waiting room")
    await until(lambda: ctl.status.program_scene == "Waiting room")
    assert not rec.of("scene_missing")  # the programme does not name it
    assert not ctl.status.override


async def test_missing_from_the_start_is_left_to_the_preflight_but_flagged(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.scenes.remove("Panel")
    ctl, rec = make_controller(fake.url, scene_uses=USES)
    await ctl.start()
    assert await ctl.wait_connected(3)
    await until(lambda: bool(ctl.status.missing_scenes))
    assert [m.scene for m in ctl.status.missing_scenes] == ["Panel"]
    fake.rename_scene("Q&A", "Questions")
    await until(lambda: "Questions" in (ctl.status.scenes or ()))
    assert not rec.of("scene_missing")


async def test_a_scene_renamed_while_disconnected_is_reported_on_reconnect(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = make_controller(fake.url, scene_uses=USES)
    await ctl.start()
    assert await ctl.wait_connected(3)
    await fake.stop(clean=False)
    await rec.wait_for("obs_disconnected")
    fake.scenes[fake.scenes.index("Intro")] = "Intro (new)"  # edited while we were away
    await fake.start()
    missing = await rec.wait_for("scene_missing", timeout=5)
    assert (missing.scene, missing.cause, missing.suggestion) == ("Intro", "gone", "Intro (new)")


async def test_the_dashboard_flags_the_coming_slot_and_names_the_closest_scene() -> None:
    from tests.factories import AMS
    from tests.ui.conftest import make_app, screen_text, step

    status = ObsStatus(
        state=ObsState.CONNECTED,
        url="ws://x",
        program_scene="Panel",
        scenes=("Holding", "Intro", "Keynote", "Panel", "Q&A 2", "Reception"),
        missing_scenes=(MissingScene("Q&A", "Q&A 2", ("qa",)),),
    )
    app = make_app("16:20:00")
    app.obs_status = lambda: describe_obs(status, AMS)
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot, "16:20:00")
        text = screen_text(app)
    qa = next(line for line in text.splitlines() if "17:10" in line and "⚠" in line)
    assert "next ⚠" in qa  # the Q&A, next, flagged before its boundary
    assert "⚠ no scene 'Q&A' → 'Q&A 2'" in text  # the panel names the closest scene
