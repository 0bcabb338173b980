"""The Textual app: owns the ShowSession while the dashboard runs, and nothing else.

It runs the session's scheduler as a worker, recomputes the Status from the
clock on a timer and hands it to the screen (with whatever the OBS status
provider returns), turns the screen's messages into session calls, logs the
runtime's notices, and guards quitting while the show runs. Services (OBS,
as-run log, speaker server) are started around it by `timekeeper.commands.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial

from textual.app import App, SystemCommand
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from timekeeper.core.engine import Mode, ShowEvent
from timekeeper.errors import TransitionError
from timekeeper.runtime.session import ShowSession
from timekeeper.ui import eventtext
from timekeeper.ui.screens.dialogs import ConfirmDialog
from timekeeper.ui.screens.operator import COMMANDS, OperatorScreen
from timekeeper.ui.views import ShowInfo

REFRESH_HZ = 8.0  # frames per second: the display is never more than 1/8 s behind the clock
ObsStatusProvider = Callable[[], object]
Runner = Callable[[], Awaitable[None]]


OBS_ALARMS = frozenset(
    {
        "obs_auth_failed",
        "obs_disconnected",
        "scene_switch_failed",
        "scene_override",
        "action_failed",
    }
)


class TimekeeperApp(App[None]):
    CSS_PATH = "timekeeper.tcss"

    def __init__(
        self,
        session: ShowSession,
        *,
        obs_status: ObsStatusProvider | None = None,
        obs_command: Callable[[str], str] | None = None,
        runner: Runner | None = None,
        refresh_hz: float = REFRESH_HZ,
    ) -> None:
        """`obs_status` is polled every frame (None: "OBS: not configured"); return a value
        that compares by value (a str, a frozen dataclass with `__rich__`) so the panel
        repaints only on change. `runner` replaces the session's scheduler (tests).
        """
        super().__init__()
        self.session = session
        self.obs_status = obs_status
        self.obs_command = obs_command  # operator keys for OBS; returns what it did
        self._runner = runner or session.run
        self._refresh_hz = refresh_hz
        self._warnings: list[str] = []
        self.first_frame = asyncio.Event()  # set once the dashboard has been painted
        programme = session.programme
        self.title = programme.event.title
        self.operator = OperatorScreen(
            ShowInfo(
                title=programme.event.title,
                tz=programme.tz,
                rehearsal=session.rehearsal,
                simulated=session.clock.simulated,
                run_mode=session.run_mode.value,
                speed=session.clock.speed,
            )
        )

    def get_default_screen(self) -> Screen[None]:
        return self.operator

    def on_mount(self) -> None:
        self.session.subscribe(self._on_events)
        self.refresh_status()
        self.set_interval(1 / self._refresh_hz, self.refresh_status)
        self.run_worker(self._runner(), name="show", exit_on_error=False)
        self._flush_warnings()
        self.call_after_refresh(self.first_frame.set)

    def on_unmount(self) -> None:
        self.session.unsubscribe(self._on_events)

    def refresh_status(self) -> None:
        """One frame: the Status from the clock, handed down (never counted from ticks)."""
        if not self.is_running:
            return  # shutting down: the panels may already be gone
        obs = self.obs_status() if self.obs_status is not None else None
        self.operator.show(self.session.status(), obs)

    def _on_events(self, events: list[ShowEvent]) -> None:
        if not self.is_running:
            return
        programme = self.session.programme
        lines = [(ev.at, eventtext.line(ev, programme, programme.tz)) for ev in events]
        self.operator.add_log([(at, line) for at, line in lines if line])
        self.refresh_status()

    def notice(self, event: str, data: Mapping[str, object]) -> None:
        """A runtime notice (a service started, or failed): log it; show the speaker URL.

        Services start before the app runs, so a notice may arrive before the
        screen exists: the screen buffers it, and a failure's toast waits for mount.
        """
        text = eventtext.notice_text(event, data)
        if event == "speaker_server" and "url" in data:
            self.operator.speaker_url = str(data["url"])
        if data.get("source") == "obs":
            if event in OBS_ALARMS and self.is_running:  # the panel shows the rest
                self.notify(text, title="OBS", severity="error", timeout=15)
        elif event.endswith("_failed"):
            self._warnings.append(text)
            if self.is_running:
                self._flush_warnings()
        now = self.session.clock.now()
        local = now.astimezone(self.session.programme.tz)
        self.operator.add_log([(now, f"{local:%H:%M:%S} {text}")])

    def _flush_warnings(self) -> None:
        for text in self._warnings:
            self.notify(text, title="Running without it", severity="warning", timeout=20)
        self._warnings.clear()

    def on_operator_screen_act(self, message: OperatorScreen.Act) -> None:
        try:
            self.session.act(message.action)
        except TransitionError as exc:
            self.notify(str(exc), title="Not now", severity="warning")

    def on_operator_screen_obs_command(self, message: OperatorScreen.ObsCommand) -> None:
        if self.obs_command is None:
            self.notify("OBS is not configured for this programme", title="OBS", severity="warning")
            return
        self.notify(self.obs_command(message.command), title="OBS")
        self.refresh_status()

    def on_operator_screen_send_message(self, message: OperatorScreen.SendMessage) -> None:
        sent = message.message
        self.session.set_message(sent.text, sent.flash)
        self.notify("Speaker message sent" if sent.text else "Speaker message cleared")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "show" and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"The show scheduler stopped: {error}", severity="error", timeout=60)

    async def action_quit(self) -> None:
        """Quit, but ask first while the show runs (a stray q must not end the show)."""
        if isinstance(self.screen, ModalScreen):
            return
        if self.session.status().mode not in (Mode.LIVE, Mode.BETWEEN):
            self.exit()
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.exit()

        question = "Quit timekeeper while the show is running?"
        detail = "The clock, the speaker screens and OBS automation stop with it."
        self.push_screen(ConfirmDialog(question, detail), answered)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists the operator's commands first, with what each one does."""
        for command in COMMANDS:
            run = partial(self.operator.run_action, command.action)
            yield SystemCommand(command.title, command.help, run)
        for system in super().get_system_commands(screen):
            if system.title != "Quit":
                yield system
