"""The OBS panel of a run in a standby pair (issue 24): its role on OBS, and the pair line."""

from __future__ import annotations

from timekeeper.obs.status import ObsState, ObsStatus, Role, RunIdentity
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
