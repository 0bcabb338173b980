"""The OBS panel of a run in a standby pair (issue 24): its role on OBS, and the pair line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from timekeeper.obs.status import (
    ObsState,
    ObsStatus,
    Role,
    RunIdentity,
    SwitchOutcome,
    SwitchRecord,
)
from timekeeper.ui.obspanel import describe_obs, with_pair


def texts(status: ObsStatus, pair: str | None = None) -> list[str]:
    view = with_pair(describe_obs(status), pair)
    assert view is not None
    return [text for text, _ in view.lines]


def test_outside_a_pair_the_panel_is_as_it_was() -> None:
    status = ObsStatus(ObsState.CONNECTED, program_scene="Intro")
    assert not any("STANDBY" in t or "DRIVING" in t for t in texts(status))


def test_a_standby_says_so_and_the_pair_line_follows_obs() -> None:
    status = ObsStatus(ObsState.CONNECTED, role=Role.STANDBY, epoch=1)
    shown = texts(status, "STANDBY — run-a on laptop-a drives at epoch 1")
    assert shown[1] == "STANDBY — run-a on laptop-a drives at epoch 1"
    assert "STANDBY: never changes OBS (driver's epoch 1)" in shown


def test_a_driver_shows_its_epoch_and_a_fenced_one_who_fenced_it() -> None:
    assert "DRIVING at epoch 2" in texts(ObsStatus(ObsState.CONNECTED, epoch=2))
    winner = RunIdentity("run-b", "laptop-b", 7, "Show", "live", epoch=2)
    fenced = ObsStatus(ObsState.CONNECTED, role=Role.STANDBY, epoch=1, fenced_by=winner)
    assert "STANDBY — fenced by epoch 2 (laptop-b)" in texts(fenced)


def test_a_scene_a_takeover_found_on_program_is_not_shown_as_a_slow_switch() -> None:
    """A takeover 14 minutes into a talk finds its scene on program and sends nothing: the
    panel said `✓ Keynote in 863539 ms` (the boundary's age), as if OBS had taken that long."""
    at = datetime(2023, 11, 20, 14, 35, tzinfo=UTC)
    later = timedelta(minutes=14)
    found = SwitchRecord("Keynote", "keynote:scene", "boundary", at, confirmed_at=at + later,
                         confirm_delay=later, outcome=SwitchOutcome.CONFIRMED,
                         already=True)  # fmt: skip
    shown = texts(ObsStatus(ObsState.CONNECTED, epoch=2, last_switch=found))
    assert "✓ Keynote already on program" in shown
    assert not any("840000 ms" in t for t in shown)
    sent = replace(found, already=False, confirm_delay=timedelta(milliseconds=16))
    assert "✓ Keynote in 16 ms" in texts(ObsStatus(ObsState.CONNECTED, last_switch=sent))
