"""Modal dialogs: confirm a disruptive action, pick a slot to jump to, message the speakers.

Each one dismisses with its answer (None or False when cancelled); Escape always
cancels, and the safe answer has the focus, so a stray Enter changes nothing.
Every dialog answers at most once: a second Enter that was already queued, or a
key that arrives while the dialog is closing, is ignored instead of popping the
screen underneath (Textual's `dismiss` pops whatever screen is on top). A
confirmation takes no answer in its first `ARM` seconds, so the key that opened
it, or the rest of a burst, cannot answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from timekeeper.ui.keyguard import ARM


def _input_clock(screen: ModalScreen[Any]) -> float:
    clock = getattr(screen.app, "input_clock", None)
    return float(clock()) if callable(clock) else 0.0


class _AnswersOnce:
    """Mixin for a modal screen: dismissed once, deaf after, armed only after `arm` seconds."""

    arm: float = 0.0
    _answered: bool = False
    _opened_at: float = 0.0

    @property
    def armed(self) -> bool:
        assert isinstance(self, ModalScreen)
        return _input_clock(self) - self._opened_at >= self.arm

    def dismiss(self, result: object = None) -> AwaitComplete:
        assert isinstance(self, ModalScreen)
        if self._answered or self.app.screen is not self:
            return AwaitComplete()  # answered already, or not on top: nothing to pop
        self._answered = True
        return ModalScreen.dismiss(self, result)

    def _late(self) -> bool:
        """True for input that arrives after the answer (it no longer answers anything)."""
        return self._answered or self.app.screen is not self  # type: ignore[attr-defined]


class SafeCommandPalette(_AnswersOnce, CommandPalette):
    """Textual's command palette, answering once (a double Enter runs one command).

    Its handlers query widgets that closing removes (`NoMatches`), so each one is
    skipped once the palette has answered.
    """

    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if self._late():
            if event is not None:
                event.stop()
            return
        super()._select_or_command(event)

    def _select_command(self, event: OptionList.OptionSelected) -> None:
        if self._late():
            event.stop()
            return
        super()._select_command(event)

    def _action_command_list(self, action: str) -> None:
        if not self._late():
            super()._action_command_list(action)

    def _action_escape(self) -> None:
        if not self._late():
            super()._action_escape()

    def _action_cursor_down(self) -> None:
        if not self._late():
            super()._action_cursor_down()


class ConfirmDialog(_AnswersOnce, ModalScreen[bool]):
    """A yes/no question; y confirms, n or Escape cancels, "No" has the focus."""

    arm = ARM

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            if self.detail:
                yield Label(self.detail, classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self._opened_at = _input_clock(self)
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        if self._late() or (answer and not self.armed):
            return  # too soon to be an answer to this question
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")


@dataclass(frozen=True)
class JumpChoice:
    slot: str  # id
    label: str  # "17:10  Q&A  (expected 17:16)"


class JumpDialog(_AnswersOnce, ModalScreen[str | None]):
    """Pick a slot that has not run yet; Enter picks, Escape cancels."""

    arm = ARM

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: list[JumpChoice]) -> None:
        super().__init__(classes="dialog-screen")
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Jump to which slot? (↑↓, Enter; Esc cancels)", classes="question")
            yield OptionList(*(Option(c.label, id=c.slot) for c in self.choices))

    def on_mount(self) -> None:
        self._opened_at = _input_clock(self)
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if self.armed and not self._late():
            self.dismiss(event.option.id)


@dataclass(frozen=True)
class SpeakerMessage:
    text: str  # empty clears the speaker screens' message
    flash: bool


class MessageDialog(_AnswersOnce, ModalScreen[SpeakerMessage | None]):
    """Type a message for the speaker screens; empty clears it; ctrl+f toggles flashing."""

    arm = ARM

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+f", "toggle_flash", "Flash", priority=True),
    ]

    def __init__(self, current: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Message to the speaker screens", classes="question")
            yield Input(
                self.current, placeholder="e.g. 2 minutes please — empty clears", id="message"
            )
            yield Checkbox("Flash it (ctrl+f)", id="flash")
            yield Label("Enter sends · Esc cancels", classes="dialog-detail")

    def on_mount(self) -> None:
        self._opened_at = _input_clock(self)
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_flash(self) -> None:
        if not self._late():
            self.query_one(Checkbox).toggle()

    @on(Input.Submitted)
    def _send(self, event: Input.Submitted) -> None:
        if self.armed and not self._late():
            self.dismiss(SpeakerMessage(event.value.strip(), self.query_one(Checkbox).value))
