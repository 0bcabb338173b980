"""Modal dialogs: confirm a disruptive action, pick a slot to jump to, message the speakers.

Each one dismisses with its answer (None or False when cancelled); Escape always
cancels, and the safe answer has the focus, so a stray Enter changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; y confirms, n or Escape cancels, "No" has the focus."""

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
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True)
class JumpChoice:
    slot: str  # id
    label: str  # "17:10  Q&A  (expected 17:16)"


class JumpDialog(ModalScreen[str | None]):
    """Pick a slot that has not run yet; Enter picks, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, choices: list[JumpChoice]) -> None:
        super().__init__(classes="dialog-screen")
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Jump to which slot? (↑↓, Enter; Esc cancels)", classes="question")
            yield OptionList(*(Option(c.label, id=c.slot) for c in self.choices))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


@dataclass(frozen=True)
class SpeakerMessage:
    text: str  # empty clears the speaker screens' message
    flash: bool


class MessageDialog(ModalScreen[SpeakerMessage | None]):
    """Type a message for the speaker screens; empty clears it; ctrl+f toggles flashing."""

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
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_flash(self) -> None:
        self.query_one(Checkbox).toggle()

    @on(Input.Submitted)
    def _send(self, event: Input.Submitted) -> None:
        self.dismiss(SpeakerMessage(event.value.strip(), self.query_one(Checkbox).value))
