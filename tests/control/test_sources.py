"""Who moved the show: the dashboard's OBS keys and every remote refusal are named."""

from __future__ import annotations

from pathlib import Path

from tests.factories import at, seed
from timekeeper.app.dashboard import _keyboard_obs
from timekeeper.app.run import Notice, Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import ManualClock
from timekeeper.show.session import ShowSession


def _runtime() -> tuple[Runtime, list[Notice], list[str]]:
    programme = seed()
    clock = ManualClock(at("15:20"))
    session = ShowSession(programme, clock)
    runtime = Runtime(programme, session, RunOptions(Path("p.yaml")), clock.now())
    notes: list[Notice] = []
    sent: list[str] = []
    runtime.listeners.append(notes.append)

    def command(name: str) -> str:
        sent.append(name)
        return f"did {name}"

    runtime.obs_command = command
    return runtime, notes, sent


def test_the_dashboards_obs_keys_are_done_and_named_as_the_keyboard() -> None:
    runtime, notes, sent = _runtime()
    assert _keyboard_obs(runtime)("resend") == "did resend"
    assert sent == ["resend"]
    assert [(n.event, n.data["by"], n.data["command"]) for n in notes] == [
        ("obs_command", "keyboard", "resend")
    ]


def test_without_obs_the_command_says_so_and_sends_nothing() -> None:
    runtime, notes, sent = _runtime()
    runtime.obs_command = None
    assert runtime.obs_act("auto", "osc") == "OBS is not configured for this programme"
    assert sent == [] and notes == []
