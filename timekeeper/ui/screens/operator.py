"""The operator's dashboard: renders the Status it is given; keys become messages up.

The screen never touches the show: `show(status)` sets each panel's view
(attributes down), and a key posts `Act` or `SendMessage` to the app, which owns
the session (messages up). Every key that changes what is live or on air asks
first (next, back, jump, hold/release, shortening into the deadline, OBS resend
and auto), with the questions every remote surface asks (`core/asks.py`); the
frequent one-key actions (next turn, +1 minute, −1 minute, a message) act at once
and can be taken back with `u`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from timekeeper.core.asks import Ask, ask_back, ask_extend, ask_hold, ask_jump, ask_next, ask_obs
from timekeeper.core.engine import Action, ActionKind, Mode, Outcome
from timekeeper.core.modes import RunMode
from timekeeper.core.status import Status
from timekeeper.ui import format as fmt
from timekeeper.ui import views
from timekeeper.ui.screens.dialogs import (
    ConfirmDialog,
    JumpChoice,
    JumpDialog,
    MessageDialog,
    SpeakerMessage,
)
from timekeeper.ui.widgets.header import Banner, HoldBanner, LockBanner, RemoteLine, StatusBar
from timekeeper.ui.widgets.live import LivePanel, TurnPanel
from timekeeper.ui.widgets.log import Entry, EventLog
from timekeeper.ui.widgets.nextup import NextPanel
from timekeeper.ui.widgets.obs import ObsPanel
from timekeeper.ui.widgets.proposal import ProposalBanner
from timekeeper.ui.widgets.timeline import Timeline


@dataclass(frozen=True)
class Command:
    """An operator command: its keys, footer word, palette title and what it does."""

    key: str
    action: str
    short: str
    title: str
    help: str
    footer: bool = True  # OBS keys live in the palette and the OBS panel's hints, not the footer


COMMANDS = (
    Command("n", "next", "Next", "Next slot", "End the live slot, start the next (asks first)"),
    Command(
        "t", "next_turn", "Turn", "Next speaker turn", "Move on to the next speaker (u undoes)"
    ),
    Command("b", "back", "Back", "Back", "Undo the last advance (asks first)"),
    Command("plus,equals_sign", "extend(1)", "+1m", "Extend +1 min", "A minute more (u undoes)"),
    Command("minus", "extend(-1)", "-1m", "Shorten -1 min", "A minute less (u undoes)"),
    Command("h", "hold", "Hold", "Hold / release", "Stop or resume automatic advance (asks)"),
    Command("j", "jump", "Jump", "Jump to a slot", "Pick a slot to start now (asks first)"),
    Command("m", "message", "Msg", "Message to speakers", "Text on the speaker screens"),
    Command("u", "undo", "Undo", "Undo", "Take back the last turn, ±1 minute or message"),
    Command(
        "r",
        "obs('resend')",
        "Scene",
        "Re-send scene",
        "Switch OBS to the live slot's scene (asks first)",
        footer=False,
    ),
    Command(
        "a",
        "obs('auto')",
        "Auto",
        "Auto switch on/off",
        "Stop or resume OBS scene switching (asks first)",
        footer=False,
    ),
    Command(
        "p",
        "reread",
        "Plan",
        "Re-read programme",
        "Read programme.yaml again and show what would change (asks before applying)",
        footer=False,
    ),
    Command(
        "l",
        "proposal(True)",
        "Late",
        "Accept the running-late plan",
        "Take the re-plan the RUNNING LATE banner shows (u undoes)",
        footer=False,
    ),
    Command(
        "x",
        "proposal(False)",
        "Dismiss",
        "Dismiss the running-late plan",
        "Put the re-plan aside until the forecast moves by more than the threshold",
        footer=False,
    ),
    Command(
        "o",
        "pair",
        "Pair",
        "Take over / hand over",
        "Standby pair: take the show over (armed standby) or hand it to the standby (asks first)",
        footer=False,
    ),
    Command(
        "q", "app.quit", "Quit", "Quit", "Quit timekeeper (asks first until the show has ended)"
    ),
)


class OperatorScreen(Screen[None]):
    """Header, banner, live slot + turn, next, timeline, event log, OBS; footer with keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(c.key, c.action, c.short, tooltip=c.help, show=c.footer) for c in COMMANDS
    ]

    class Act(Message):
        """The operator asked for a show action."""

        def __init__(self, action: Action) -> None:
            super().__init__()
            self.action = action

    class Undo(Message):
        """The operator asked to take back the last one-key action."""

    class Reread(Message):
        """The operator asked to read the programme file again (the p key)."""

    class Proposal(Message):
        """The operator took (l) or dismissed (x) the running-late proposal."""

        def __init__(self, accept: bool) -> None:
            super().__init__()
            self.accept = accept

    class Pair(Message):
        """The operator asked the standby pair to take over or to hand over (the o key)."""

    class ObsCommand(Message):
        """The operator asked OBS for something: "resend" the live scene, toggle "auto"."""

        def __init__(self, command: str) -> None:
            super().__init__()
            self.command = command

    class SendMessage(Message):
        """The operator wrote (or cleared) a message for the speaker screens."""

        def __init__(self, message: SpeakerMessage) -> None:
            super().__init__()
            self.message = message

    def __init__(self, info: views.ShowInfo) -> None:
        super().__init__(id="operator")
        self.info = info
        self.status: Status | None = None
        self.message_text = ""
        self.obs: object = None
        self.speaker_url: str | None = None
        self.remote_text = ""  # the last remote action's line ("" until there is one)
        self.proposal: tuple[str, ...] = ()  # the running-late banner's lines (none: hidden)
        self._ready = False
        self._pending_log: list[Entry] = []
        self._pending_keyed: dict[str, list[Entry]] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar(id="header")
        yield Banner(id="banner")
        yield HoldBanner(id="hold-banner")
        yield ProposalBanner(id="proposal-banner")
        yield LockBanner(id="lock-banner")
        yield RemoteLine(id="remote-line")
        with Horizontal(id="top"):
            yield LivePanel(id="live")
            yield TurnPanel(id="turn")
        yield NextPanel(id="next")
        yield Timeline(id="timeline")
        with Horizontal(id="bottom"):
            yield EventLog(id="log")
            yield ObsPanel(id="obs")
        yield Footer(compact=True)

    def on_unmount(self) -> None:
        """The app is closing: what still arrives (a repeated alarm's summary as the services
        stop) is in the as-run log; the panels it would go to are gone."""
        self._ready = False

    def on_mount(self) -> None:
        self._ready = True
        if self.remote_text:
            self.query_one(RemoteLine).text = self.remote_text
        if self._pending_log:
            self.add_log(self._pending_log)
            self._pending_log = []
        for key, keyed in self._pending_keyed.items():
            self.add_log(keyed, key)
        self._pending_keyed = {}
        if self.status is not None:
            self.show(self.status, self.obs)

    def show(self, status: Status, obs: object = None) -> None:
        """Hand every panel its view of `status`; panels repaint only what changed.

        `obs` is what the OBS status provider returned (None: not configured).
        """
        self.status = status
        self.obs = obs
        if not self._ready:
            return  # on_mount shows it once the panels exist
        info = self.info
        panel = self.query_one(ObsPanel)
        panel.obs = obs
        panel.speaker_url = self.speaker_url
        self.query_one(StatusBar).view = views.header_view(status, info)
        self.query_one(Banner).view = views.banner_view(info)
        self.query_one(HoldBanner).held = status.held
        self.query_one(ProposalBanner).view = self.proposal
        self.query_one(LivePanel).view = views.live_view(status, info)
        self.query_one(TurnPanel).view = views.turns_view(status, info)
        self.query_one(NextPanel).view = views.next_view(status, info)
        missing = dict(getattr(obs, "missing_scenes", ()))  # an ObsView's, if OBS is there
        self.query_one(Timeline).rows_view = views.timeline_rows(status, info, missing)

    def remote_action(self, text: str) -> None:
        """Say who else steered last (the control API, OSC): one line under the banners."""
        self.remote_text = text
        if self._ready:
            self.query_one(RemoteLine).text = text

    def keyboard_locked(self, locked: bool, dropped: int) -> None:
        """Say across the screen that a burst locked the keyboard (or that it is unlocked)."""
        if self._ready:
            self.query_one(LockBanner).view = (locked, dropped)

    def add_log(self, lines: list[Entry], key: str | None = None) -> None:
        """Log lines; `key` names a line that later ones replace (a repeated alarm)."""
        if self._ready:
            self.query_one(EventLog).add(lines, key)
        elif key is not None:
            self._pending_keyed[key] = lines  # before mount: only its latest state
        else:
            self._pending_log += lines

    # ------------------------------------------------------------ actions

    def _act(self, kind: ActionKind, minutes: float = 0.0, slot: str | None = None) -> None:
        self.post_message(self.Act(Action(kind, minutes, slot)))

    def _ask(self, question: Ask, then: Callable[[], None]) -> None:
        """Ask the question every surface asks (core/asks.py); `then` on yes."""

        def answered(ok: bool | None) -> None:
            if ok:
                then()

        self.app.push_screen(ConfirmDialog(question.question, question.detail), answered)

    def action_next(self) -> None:
        """Next slot now: what ends and what starts, asked first (core/asks.py)."""
        question = ask_next(self.status, self.info.tz) if self.status is not None else None
        if question is None:
            self._act(ActionKind.NEXT)  # the engine says why not
            return
        self._ask(question, lambda: self._act(ActionKind.NEXT))

    def action_obs(self, command: str) -> None:
        def send() -> None:
            self.post_message(self.ObsCommand(command))

        self._ask(ask_obs(command), send)

    def action_pair(self) -> None:
        self.post_message(self.Pair())

    def action_reread(self) -> None:
        self.post_message(self.Reread())

    def action_proposal(self, accept: bool) -> None:
        """One key, no question: it changes budgets, not what is live or on air; u undoes it."""
        self.post_message(self.Proposal(accept))

    def action_next_turn(self) -> None:
        self._act(ActionKind.NEXT_TURN)

    def action_undo(self) -> None:
        self.post_message(self.Undo())

    def action_extend(self, minutes: float) -> None:
        question = ask_extend(self.status, minutes) if self.status is not None else None
        if question is not None:
            self._ask(question, lambda: self._act(ActionKind.EXTEND, minutes=minutes))
            return
        self._act(ActionKind.EXTEND, minutes=minutes)

    def action_hold(self) -> None:
        held = self.status is not None and self.status.held
        kind = ActionKind.RELEASE if held else ActionKind.HOLD
        self._ask(ask_hold(held), lambda: self._act(kind))

    def action_back(self) -> None:
        self._ask(ask_back(), lambda: self._act(ActionKind.BACK))

    def action_jump(self) -> None:
        choices = self._jump_choices()
        if not choices:
            self.notify("No slot left to jump to.", severity="warning")
            return

        def picked(slot_id: str | None) -> None:
            if slot_id is not None:
                self._confirm_jump(slot_id)

        self.app.push_screen(JumpDialog(choices), picked)

    def _jump_choices(self) -> list[JumpChoice]:
        status = self.status
        if status is None or status.mode is Mode.ENDED:
            return []
        tz = self.info.tz
        live = status.live.index if status.live is not None else -1
        return [
            JumpChoice(
                v.slot.id,
                f"{fmt.hm(v.slot.start, tz)}  {v.slot.title}"
                f"  (expected {fmt.hms(v.expected_start, tz)})",
            )
            for v in status.slots
            if v.outcome is Outcome.PENDING and v.index > live
        ]

    def _confirm_jump(self, slot_id: str) -> None:
        status = self.status
        assert status is not None
        question = ask_jump(status, slot_id, sent=self.info.run_mode is RunMode.LIVE)
        assert question is not None  # a choice of the dialog, from this status
        self._ask(question, lambda: self._act(ActionKind.JUMP, slot=slot_id))

    def action_message(self) -> None:
        def written(message: SpeakerMessage | None) -> None:
            if message is not None:
                self.message_text = message.text
                self.post_message(self.SendMessage(message))

        self.app.push_screen(MessageDialog(self.message_text), written)
