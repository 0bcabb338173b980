"""The studio-mode preview rules alone (`PreviewBook`): no socket, no event loop, no sleep."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from timekeeper.core.modes import RunMode
from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Emit, Moment, SetPreview, SetStudioMode
from timekeeper.obs.preview import PreviewBook
from timekeeper.obs.status import ObsState, ObsStatus

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
STUDIO = ObsStatus(state=ObsState.CONNECTED, studio_mode=True, program_scene="Holding")


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the preview rules' tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


def at(status: ObsStatus) -> Moment:
    return Moment(T0, status, True)


def test_studio_mode_is_turned_on_after_a_connect_only_when_the_programme_wants_it() -> None:
    off = replace(STUDIO, studio_mode=False)
    assert PreviewBook(studio_mode=True).connected(at(off), False).commands == (SetStudioMode(),)
    assert PreviewBook(studio_mode=False).connected(at(off), False).commands == ()
    dry = replace(off, mode=RunMode.DRY)
    assert PreviewBook(studio_mode=True).connected(at(dry), False).commands == ()
    failed = PreviewBook(studio_mode=True).studio_mode_set(at(off), "code 506")
    assert failed.status.last_error == "could not turn on studio mode: code 506"


def test_a_switch_transitions_from_preview_only_once_obs_shows_that_scene_there() -> None:
    book = PreviewBook(studio_mode=True)
    step = book.preview(at(STUDIO), "Keynote")
    assert step.commands == (SetPreview("Keynote"),)
    assert not book.from_preview(step.status, "Keynote")  # sent, not yet confirmed
    shown = book.preview_changed(at(step.status), "Keynote").status
    assert book.from_preview(shown, "Keynote") and not book.from_preview(shown, "Panel")
    turned_off = book.studio_mode_changed(at(shown), False)
    assert not book.from_preview(turned_off.status, "Keynote")
    assert isinstance(turned_off.commands[0], Emit)


def test_a_dry_run_reports_the_preview_without_sending_it() -> None:
    step = PreviewBook(studio_mode=True).preview(at(replace(STUDIO, mode=RunMode.DRY)), "Q&A")
    (command,) = step.commands
    assert isinstance(command, Emit) and isinstance(command.event, ev.ScenePreviewSet)
    assert not command.event.sent
