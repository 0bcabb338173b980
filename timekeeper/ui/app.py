"""The Textual app: owns the ShowSession while the dashboard runs, and nothing else.

It runs the session's scheduler as a worker, recomputes the Status from the
clock on a timer and hands it to the screen (with whatever the OBS status
provider returns), turns the screen's messages into session calls, logs the
run's notices (dispatched on their class), and guards quitting while the show runs. Services (OBS,
as-run log, speaker server) are started around it by `timekeeper.app.dashboard`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import Protocol

from textual import events
from textual.app import App, SystemCommand
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from timekeeper.control.notices import RemoteAction
from timekeeper.core.engine import Mode, ShowEvent
from timekeeper.core.text import inert
from timekeeper.errors import TransitionError
from timekeeper.show.changes import ChangeCheck
from timekeeper.show.notices import InternalError, Notice, ObsRecord
from timekeeper.show.programme_notices import ChangeOffered
from timekeeper.show.session import ShowSession
from timekeeper.speaker.notices import SpeakerServerStarted
from timekeeper.ui import changes, eventtext, views
from timekeeper.ui.keyguard import GAP, KeyGuard, Verdict
from timekeeper.ui.screens.dialogs import ConfirmDialog, SafeCommandPalette
from timekeeper.ui.screens.operator import COMMANDS, OperatorScreen
from timekeeper.ui.undo import ProposalDesk, Undo, UndoBook
from timekeeper.ui.views import ShowInfo, remote_line

REFRESH_HZ = 8.0  # the old fixed rate, kept as the benchmark's reference
MIN_FRAME = 0.05  # real seconds: at most 20 frames a second, however fast a rehearsal runs
MAX_FRAME = 1.0  # real seconds: the OBS panel (polled, not evented) is never staler than this
BOUNDARY_SLACK = 0.002  # real seconds after a displayed second begins, so it reads the new one
KEYBOARD = "keyboard"  # the source the as-run log names for the dashboard's keys
ObsStatusProvider = Callable[[], object]


class PairKey(Protocol):
    """The o key of a standby pair: what it asks (question, detail) and what it does."""

    def question(self) -> tuple[str, str]: ...

    def press(self) -> str:
        """Take over or hand over; says what it does (raises TransitionError: why not)."""

    def on_quit(self) -> str | None:
        """What quitting this run means for the pair (None: the usual words are true)."""


Runner = Callable[[], Awaitable[None]]


class TimekeeperApp(App[None]):
    CSS_PATH = "timekeeper.tcss"

    def __init__(
        self,
        session: ShowSession,
        *,
        obs_status: ObsStatusProvider | None = None,
        obs_command: Callable[[str], str] | None = None,
        runner: Runner | None = None,
        reread: Callable[[], object] | None = None,
        accept_change: Callable[[ChangeCheck], object] | None = None,
        proposals: ProposalDesk | None = None,
        pair_key: PairKey | None = None,
        refresh_hz: float = REFRESH_HZ,
        input_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`obs_status` is polled every frame (None: "OBS: not configured"); return a value
        that compares by value (a str, a frozen dataclass with `__rich__`) so the panel
        repaints only on change. `runner` replaces the session's scheduler (tests).
        `input_clock` times key arrivals (monotonic seconds) for the burst guard and the
        dialogs' arming; tests inject one. `proposals` accepts and undoes the running-late
        proposal (the dashboard's logs it; default: on the session alone).
        """
        super().__init__()
        self.input_clock = input_clock
        self.keys = KeyGuard()
        self._passed: set[int] = set()  # ids of held keys being released (not guarded again)
        self.undo = UndoBook()
        self.session = session
        self.obs_status = obs_status
        self.obs_command = obs_command  # operator keys for OBS; returns what it did
        self.pair_key = pair_key  # take over / hand over (a run in a standby pair)
        self._runner = runner or session.run
        self.reread = reread  # check the programme file now (p); the result comes to offer_change
        self.accept_change = accept_change
        self.proposals = proposals or ProposalDesk.of(session)
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
                run_mode=session.run_mode,
                speed=session.clock.speed,
            )
        )

    def get_default_screen(self) -> Screen[None]:
        return self.operator

    def on_mount(self) -> None:
        self.session.subscribe(self._on_events)
        self.refresh_status()
        if self._refresh_hz > 0:
            self._schedule_frame()
        self.run_worker(self._runner(), name="show", exit_on_error=False)
        self._flush_warnings()
        self.call_after_refresh(self.first_frame.set)

    def on_unmount(self) -> None:
        self.session.unsubscribe(self._on_events)

    def _schedule_frame(self) -> None:
        """The next frame at the show clock's next displayed second (not at a fixed rate).

        A countdown changes once a displayed second; at x10 that is ten times a real
        second. Events (a boundary, an action) repaint at once through `_on_events`.
        """
        clock = self.session.clock
        now = clock.now()
        nxt = now.replace(microsecond=0) + timedelta(seconds=1)
        wait = clock.real_seconds_until(nxt) + BOUNDARY_SLACK
        self.set_timer(min(max(wait, MIN_FRAME), MAX_FRAME), self._frame)

    def _frame(self) -> None:
        self.refresh_status()
        if self.is_running:
            self._schedule_frame()

    def refresh_status(self) -> None:
        """One frame: the Status from the clock, handed down (never counted from ticks)."""
        if not self.is_running:
            return  # shutting down: the panels may already be gone
        obs = self.obs_status() if self.obs_status is not None else None
        session = self.session
        self.operator.proposal = views.proposal_lines(session.proposal, session.programme)
        self.operator.show(session.status(), obs)

    def _on_events(self, events: list[ShowEvent]) -> None:
        if not self.is_running:
            return
        programme = self.session.programme
        lines = [(ev.at, eventtext.line(ev, programme, programme.tz)) for ev in events]
        self.operator.add_log([(at, line) for at, line in lines if line])
        self.refresh_status()

    def notice(self, note: Notice) -> None:
        """A run's notice (a service started, or failed; OBS; an edit): log it, pop up what
        must be seen, show the speaker URL, offer an edit. Dispatched on its class.

        Services start before the app runs, so a notice may arrive before the
        screen exists: the screen buffers it, and a failure's toast waits for mount.
        """
        if isinstance(note, ChangeOffered):
            self.offer_change(note.check)
            return
        text = inert(note.line())
        now = self.session.clock.now()
        tz = self.session.programme.tz
        if isinstance(note, SpeakerServerStarted):
            self.operator.speaker_url = note.url
        elif isinstance(note, RemoteAction):  # the remote line: what was done (not refused)
            self.operator.remote_action(remote_line(note.to_json(tz, now), tz))
        elif isinstance(note, InternalError) and self.is_running:
            where = note.diagnostics
            self.notify(
                f"{note.where}: {note.error}. The show goes on."
                + (f" Details: {where}" if where else ""),
                title="Internal error",
                severity="error",
                timeout=30,
            )
        elif isinstance(note, ObsRecord) and self.is_running:
            if note.pops_up:
                self.notify(text, title="OBS", severity="error", timeout=15)
            elif note.output_news:
                self.notify(text, title="Stream and recording", timeout=15)
        elif note.warns:
            self._warnings.append(text)
            if self.is_running:
                self._flush_warnings()
        local = now.astimezone(tz)
        # a repeated alarm: its repeats update one line
        self.operator.add_log([(now, f"{local:%H:%M:%S} {text}")], note.series)
        if self.is_running:
            self.refresh_status()  # an OBS change is shown at once, not at the next frame

    def _flush_warnings(self) -> None:
        for text in self._warnings:
            self.notify(text, title="Running without it", severity="warning", timeout=20)
        self._warnings.clear()

    # ------------------------------------------------------------ keys

    async def on_event(self, event: events.Event) -> None:
        """Every key passes the burst guard first (see keyguard); the rest as Textual does."""
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and id(event) not in self._passed
        ):
            verdict = self.keys.feed(
                event.key,
                self.input_clock(),
                dashboard=self.screen is self.operator,
                typing=isinstance(self.focused, Input),
                item=event,
            )
            if verdict is Verdict.HOLD:
                self.set_timer(GAP * 1.25, self.settle_keys)
                return
            if verdict is Verdict.DROP:
                self._show_lock()
                return
        await super().on_event(event)

    async def settle_keys(self) -> None:
        """Release a held key once nothing followed it within the gap (or discard a burst)."""
        for item in self.keys.settle(self.input_clock()):
            assert isinstance(item, events.Key)
            self._passed.add(id(item))
            try:
                await super().on_event(item)
            finally:
                self._passed.discard(id(item))
        self._show_lock()

    def _show_lock(self) -> None:
        if not self.is_running or not self.operator.is_attached:
            return
        self.operator.keyboard_locked(self.keys.locked, self.keys.dropped)

    def action_command_palette(self) -> None:
        """The palette, answering once: a double Enter in it runs one command."""
        if self.use_command_palette and not SafeCommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    # ------------------------------------------------------------ the show

    def on_operator_screen_act(self, message: OperatorScreen.Act) -> None:
        try:
            self.session.act(message.action, source=KEYBOARD)
        except TransitionError as exc:
            self.notify(str(exc), title="Not now", severity="warning")
            return
        offered = self.undo.offer(message.action, self.session.state)
        if offered is not None:
            self.notify(f"{offered.done} — u undoes it", title="Done", timeout=8)

    def on_operator_screen_undo(self, message: OperatorScreen.Undo) -> None:
        step = self.undo.take(self.session.state)
        if step is None:
            self.notify("Nothing to undo", title="Undo", severity="warning")
            return
        self._undo(step)

    def _undo(self, step: Undo) -> None:
        if step.restores_message:
            previous = step.message
            self.session.set_message(
                previous.text if previous else "", bool(previous and previous.flash), KEYBOARD
            )
            self.operator.message_text = previous.text if previous else ""
        elif step.proposal is not None:
            try:
                self.proposals.undo(step.proposal, KEYBOARD)
            except TransitionError as exc:
                self.notify(str(exc), title="Cannot undo", severity="warning")
                return
        elif step.action is not None:
            try:
                self.session.act(step.action, source=KEYBOARD)
            except TransitionError as exc:
                self.notify(str(exc), title="Cannot undo", severity="warning")
                return
        self.notify(f"Undone: {step.done}", title="Undo")
        self.refresh_status()

    def on_operator_screen_proposal(self, message: OperatorScreen.Proposal) -> None:
        """l takes the running-late proposal at once (u undoes it); x puts it aside."""
        try:
            if message.accept:
                proposal = self.proposals.accept(KEYBOARD)
                self.undo.offer_proposal(proposal, self.session.state)
                self.notify("The new budgets run from now — u undoes it", title="Accepted")
            else:
                self.session.dismiss_proposal(KEYBOARD)
                self.notify("Back when the forecast moves", title="Proposal dismissed")
        except TransitionError as exc:
            self.notify(str(exc), title="Not now", severity="warning")
        self.refresh_status()

    def on_operator_screen_reread(self, message: OperatorScreen.Reread) -> None:
        if self.reread is None:
            self.notify("The programme file is not watched in this run", severity="warning")
            return
        self.reread()

    def offer_change(self, check: ChangeCheck) -> None:
        """An edit of the programme file (watched, or re-read with p): show it, or ask.

        Called from the watch service's task, outside the app's context (where a dialog
        cannot be composed): the offer is posted to the app and handled in its own turn.
        """
        if self.is_running:
            self.call_later(self._offer_change, check)

    def _offer_change(self, check: ChangeCheck) -> None:
        if not self.is_running:
            return
        state = self.session.state
        live = state.programme.slots[state.live].id if state.live is not None else None
        command = self.obs_command
        switch = None if command is None else (lambda: command("resend"))  # the r key's path
        changes.present(self, check, self.accept_change, live, switch)

    def on_operator_screen_obs_command(self, message: OperatorScreen.ObsCommand) -> None:
        if self.obs_command is None:
            self.notify("OBS is not configured for this programme", title="OBS", severity="warning")
            return
        self.notify(self.obs_command(message.command), title="OBS")
        self.refresh_status()

    def on_operator_screen_pair(self, message: OperatorScreen.Pair) -> None:
        key = self.pair_key
        if key is None:
            self.notify("This run is in no standby pair", title="Pair", severity="warning")
            return

        def answered(ok: bool | None) -> None:
            if not ok or key is None:
                return
            try:
                self.notify(key.press(), title="Standby pair")
            except TransitionError as exc:
                self.notify(str(exc), title="Not now", severity="warning")

        self.push_screen(ConfirmDialog(*key.question()), answered)

    def on_operator_screen_send_message(self, message: OperatorScreen.SendMessage) -> None:
        sent = message.message
        if self.session.read_only is not None:  # a standby: the driver's operator does it
            self.notify(self.session.read_only, title="Not now", severity="warning")
            return
        self.undo.offer_message(self.session.message, self.session.state)
        self.session.set_message(sent.text, sent.flash, KEYBOARD)
        done = "Speaker message sent" if sent.text else "Speaker message cleared"
        self.notify(f"{done} — u undoes it")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "show" and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"The show scheduler stopped: {error}", severity="error", timeout=60)

    async def action_quit(self) -> None:
        """Quit, but ask first until the show has ended (a stray q must not stop the clock)."""
        if isinstance(self.screen, ModalScreen):
            return
        if self.session.status().mode is Mode.ENDED:
            self.exit()
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.exit()

        question = "Quit timekeeper while the show is running?"
        if self.session.status().mode is Mode.BEFORE:
            question = "Quit timekeeper before the show has started?"
        detail = "The clock, the speaker screens and OBS automation stop with it."
        if self.pair_key is not None:
            detail = self.pair_key.on_quit() or detail
        self.push_screen(ConfirmDialog(question, detail), answered)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists the operator's commands first, with what each one does."""
        for command in COMMANDS:
            run = partial(self.operator.run_action, command.action)
            yield SystemCommand(command.title, command.help, run)
        for system in super().get_system_commands(screen):
            if system.title != "Quit":
                yield system
