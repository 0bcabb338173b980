"""Who moved the show: the dashboard's OBS keys and every remote refusal are named."""

from __future__ import annotations

from pathlib import Path

from tests.factories import at, seed
from timekeeper.app.dashboard import _keyboard_obs
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import ManualClock
from timekeeper.obs.status import ObsState, ObsStatus
from timekeeper.show.notices import Notice
from timekeeper.show.session import ShowSession


class _Obs:
    """OBS as the run's handle on it: a status, and the commands it was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def status(self) -> ObsStatus:
        return ObsStatus(ObsState.CONNECTED)

    def command(self, name: str) -> str:
        self.sent.append(name)
        return f"did {name}"


def _runtime(obs: bool = True) -> tuple[Runtime, list[Notice], list[str]]:
    programme = seed()
    clock = ManualClock(at("15:20"))
    session = ShowSession(programme, clock)
    handle = _Obs()
    options = RunOptions(Path("p.yaml"))
    runtime = Runtime.of(session, options, clock.now(), obs=handle if obs else None)
    notes: list[Notice] = []
    runtime.notices.subscribe(notes.append)
    return runtime, notes, handle.sent


def test_the_dashboards_obs_keys_are_done_and_named_as_the_keyboard() -> None:
    runtime, notes, sent = _runtime()
    assert _keyboard_obs(runtime)("resend") == "did resend"
    assert sent == ["resend"]
    assert [(n.event, n.payload()["by"], n.payload()["command"]) for n in notes] == [
        ("obs_command", "keyboard", "resend")
    ]


def test_without_obs_the_command_says_so_and_sends_nothing() -> None:
    runtime, notes, sent = _runtime(obs=False)
    assert runtime.obs_act("auto", "osc") == "OBS is not configured for this programme"
    assert sent == [] and notes == []
