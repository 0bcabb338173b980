"""The scene watch alone: OBS's scene events and `now` in, status and events out.

No socket, no event loop, no sleep (opening a socket fails the test): what the
operator sees when someone renames or removes a scene the programme needs.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Emit, Moment, Step
from timekeeper.obs.port import SceneCreated, SceneRemoved, SceneRenamed
from timekeeper.obs.scenewatch import SceneEvent, SceneWatch
from timekeeper.obs.status import ObsState, ObsStatus

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
USES = {"Keynote": ("keynote",), "Panel": ("panel-1", "panel-2")}


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the scene watch's tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


class Watch:
    def __init__(self) -> None:
        self.watch = SceneWatch(USES)
        self.status = ObsStatus(
            state=ObsState.CONNECTED,
            scenes=("Holding", "Keynote", "Panel"),
            program_scene="Keynote",
        )
        self.events: list[ev.ObsEvent] = []

    def take(self, step: Step) -> None:
        self.status = step.status
        self.events += [c.event for c in step.commands if isinstance(c, Emit)]

    def moment(self) -> Moment:
        return Moment(T0, self.status, True)

    def connect(self) -> None:
        self.take(self.watch.connected(self.moment()))

    def obs(self, event: SceneEvent) -> None:
        self.take(self.watch.on_event(self.moment(), event))


def test_a_renamed_programme_scene_is_reported_once_with_its_new_name() -> None:
    w = Watch()
    w.connect()
    w.obs(SceneRenamed("Keynote", "Keynote (new)"))
    missing = w.events[-1]
    assert isinstance(missing, ev.SceneMissing)
    assert (missing.scene, missing.cause, missing.suggestion) == (
        "Keynote",
        "renamed",
        "Keynote (new)",
    )
    assert w.status.program_scene == "Keynote (new)"  # OBS's program follows the rename
    w.obs(SceneCreated("Sponsor"))
    assert len(w.events) == 1  # said once per loss
    w.obs(SceneRenamed("Keynote (new)", "Keynote"))
    assert isinstance(w.events[-1], ev.SceneBack) and w.status.missing_scenes == ()


def test_a_removed_scene_names_the_slots_that_need_it() -> None:
    w = Watch()
    w.connect()
    w.obs(SceneRemoved("Panel"))
    missing = w.events[-1]
    assert isinstance(missing, ev.SceneMissing) and missing.cause == "removed"
    assert missing.slots == ("panel-1", "panel-2")
    assert [m.scene for m in w.status.missing_scenes] == ["Panel"]


def test_scenes_missing_at_the_first_connect_are_left_to_the_preflight() -> None:
    w = Watch()
    w.status = ObsStatus(state=ObsState.CONNECTED, scenes=("Holding", "Keynote"))
    w.connect()
    assert w.events == [] and [m.scene for m in w.status.missing_scenes] == ["Panel"]
