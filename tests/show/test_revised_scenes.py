"""A revision that renames scenes, against the fake obs-websocket: the live slot's new scene
is switched only when the operator asks (the resend command, `r` and the change dialog), and
the scene watch follows the new plan's scenes (a rename in OBS is flagged as before)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tests.factories import at
from tests.obs.fake import FakeObs
from tests.show.test_director import PASSWORD, SCENES, SEED, until
from timekeeper.app.obs_service import ObsService
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.show.session import ShowSession

Records = list[dict[str, object]]


def renamed(scene: str) -> Programme:
    """The seed with the Q&A slot's scene renamed."""
    qa = SEED.index("qa")
    slots = (*SEED.slots[:qa], replace(SEED.slots[qa], scene=scene), *SEED.slots[qa + 1 :])
    return replace(SEED, slots=slots, digest=f"with-{scene}")


@pytest.fixture
async def running(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[FakeObs, ShowSession, ObsService, Records]]:
    """The Q&A is live (17:15) and on program; OBS also has a 'Questions' scene."""
    monkeypatch.setenv("OBS_PASSWORD", PASSWORD)
    async with FakeObs(scenes=[*SCENES, "Questions"], password=PASSWORD) as fake:
        session = ShowSession(SEED, ManualClock(at("17:15")), RunMode.DRESS)
        records: Records = []
        service = ObsService(session, url_override=fake.url, done_keys=(), on_record=records.append)
        await service.start()
        try:
            assert await service.controller.wait_connected(3)
            session.tick()
            await until(lambda: fake.program == "Q&A")
            await until(lambda: any(r["event"] == "obs_preflight" for r in records), 5)
            yield fake, session, service, records
        finally:
            await service.stop()


def switches(fake: FakeObs) -> list[object]:
    return [d.get("sceneName") for name, d in fake.requests if name == "SetCurrentProgramScene"]


async def test_the_live_slots_new_scene_is_switched_when_the_operator_asks(
    running: tuple[FakeObs, ShowSession, ObsService, Records],
) -> None:
    fake, session, service, _ = running
    session.revise(renamed("Questions"))
    assert service.command("resend") == "switching to the live slot's scene Questions"
    await until(lambda: fake.program == "Questions")
    # the revision alone switched nothing: one switch to Q&A (its start), one asked for
    assert switches(fake) == ["Q&A", "Questions"]
    # asked again: the scene now desired is re-sent, as r always did
    assert service.command("resend") == "re-sending the live scene"


async def test_the_scene_watch_flags_a_rename_of_the_new_plans_scene(
    running: tuple[FakeObs, ShowSession, ObsService, Records],
) -> None:
    fake, session, service, records = running
    session.revise(renamed("Questions"))
    await until(lambda: sum(r["event"] == "obs_preflight" for r in records) == 2, 5)
    fake.rename_scene("Q&A", "Old Q&A")  # the old plan's scene: nobody needs it now
    await until(lambda: "Old Q&A" in (service.controller.status.scenes or ()))
    fake.rename_scene("Questions", "Questions 2")
    await until(lambda: any(r["event"] == "scene_missing" for r in records))
    missing = [r for r in records if r["event"] == "scene_missing"]
    assert [(m["scene"], m["cause"], m["suggestion"]) for m in missing] == [
        ("Questions", "renamed", "Questions 2")
    ]
    assert missing[0]["slots"] == ["qa"]
    status = service.controller.status
    assert [m.scene for m in status.missing_scenes] == ["Questions"]


async def test_a_new_plans_scene_missing_in_obs_is_in_the_status_at_once(
    running: tuple[FakeObs, ShowSession, ObsService, Records],
) -> None:
    _, session, service, records = running
    session.revise(renamed("Audience questions"))  # no such scene in OBS
    assert [m.scene for m in service.controller.status.missing_scenes] == ["Audience questions"]
    await until(lambda: sum(r["event"] == "obs_preflight" for r in records) == 2, 5)
    assert not any(r["event"] == "scene_missing" for r in records)  # the preflight says it
