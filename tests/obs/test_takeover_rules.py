"""Takeover reconciliation alone (`takeover_rules.reconcile`): OBS as read, the due slot,
the intents and the log's done keys in; only the requests still needed out. No socket."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from timekeeper.core.outputs import Intent, Output
from timekeeper.core.programme import ObsAction
from timekeeper.obs.takeover_rules import DueScene, ObsActual, OutputStep, reconcile

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
DUE = DueScene("Keynote", "keynote:scene:2026-05-04T09:30:00+00:00", T0)
STREAM_ON = Intent(Output.STREAM, True, ObsAction.START_STREAMING, "opening", "Opening", "on_start")
RECORD_ON = Intent(
    Output.RECORDING, True, ObsAction.START_RECORDING, "keynote", "Keynote", "on_start"
)
RECORD_OFF = Intent(
    Output.RECORDING, False, ObsAction.STOP_RECORDING, "keynote", "Keynote", "on_end"
)
INTENTS = {Output.STREAM: STREAM_ON, Output.RECORDING: RECORD_ON}


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the takeover rules' tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


def test_obs_already_as_the_due_slot_wants_asks_for_nothing() -> None:
    """The primary switched and started everything, then died before its log said so."""
    plan = reconcile(ObsActual("Keynote", True, True), DUE, INTENTS, done_keys=())
    assert plan.switch is None and plan.adopt == DUE
    assert plan.requests == 0
    # the outputs are recorded as done (read, not sent): their keys are never sent again
    assert plan.starts == (
        OutputStep(ObsAction.START_STREAMING, STREAM_ON.key, request=False, starts=True),
        OutputStep(ObsAction.START_RECORDING, RECORD_ON.key, request=False, starts=True),
    )


def test_a_boundary_that_fell_in_the_gap_is_switched_and_its_outputs_started() -> None:
    plan = reconcile(ObsActual("Opening", True, False), DUE, INTENTS, done_keys={STREAM_ON.key})
    assert plan.switch == DUE
    assert plan.starts == (
        OutputStep(ObsAction.START_RECORDING, RECORD_ON.key, request=True, starts=True),
    )
    assert plan.requests == 2  # the switch and the recording; the stream's key was done


def test_nothing_the_log_shows_done_is_repeated_even_if_obs_differs_now() -> None:
    """A hand switch after the boundary and a stream stopped by hand are respected."""
    done = {DUE.key, STREAM_ON.key, RECORD_ON.key}
    plan = reconcile(ObsActual("Backstage", False, True), DUE, INTENTS, done)
    assert plan.switch is None and plan.adopt is None and plan.requests == 0
    assert plan.starts == () and plan.stops == ()
    assert any("hand switch" in why for why in plan.kept)
    assert any("stream is not running" in why and "not repeated" in why for why in plan.kept)


def test_stops_come_before_the_switch_and_starts_after() -> None:
    intents = {Output.STREAM: STREAM_ON, Output.RECORDING: RECORD_OFF}
    plan = reconcile(ObsActual("Opening", False, True), DUE, intents, done_keys=())
    assert [s.action for s in plan.stops] == [ObsAction.STOP_RECORDING]
    assert [s.action for s in plan.starts] == [ObsAction.START_STREAMING]
    assert plan.switch == DUE and plan.requests == 3


def test_what_could_not_be_read_is_asked_for_and_the_output_rules_check_it_first() -> None:
    plan = reconcile(ObsActual(None, None, None), DUE, INTENTS, done_keys=())
    assert plan.switch == DUE
    assert all(s.request for s in plan.starts)


def test_no_due_scene_and_no_intents_ask_for_nothing() -> None:
    plan = reconcile(ObsActual("Opening", False, False), None, {}, done_keys=())
    assert plan.switch is None and plan.requests == 0 and plan.kept == ()
