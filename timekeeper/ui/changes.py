"""The dashboard's side of a programme edit: errors shown as `check` shows them, or the difference
in a confirmation dialog (docs/changes.md).

Owns `present(app, check, accept)`: an invalid file is a notification listing its
problems (`FILE:LINE:COL: error: …`) and the running plan stays; a refused
change says why; a valid one opens a `ConfirmDialog` with the difference — it
answers once and not in its first 300 ms, like every confirmation; `y` calls
`accept`, anything else dismisses it. A newer edit replaces a dialog still open.
When the live slot's scene changes, `s` toggles "switch OBS to it now" (off by
default; deaf in the first 300 ms and after the answer, like the answer keys):
accepted with it on, `switch` is called (the dashboard's `r` path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from timekeeper.core.diff import Change
from timekeeper.errors import TimekeeperError
from timekeeper.show.changes import ChangeCheck, ChangeKind
from timekeeper.ui.screens.dialogs import ConfirmDialog

MAX_LINES = 14  # of the difference in the dialog; `timekeeper diff` prints them all
Accept = Callable[[ChangeCheck], object]
Switch = Callable[[], str]  # switch OBS to the live slot's scene now; says what it did


class ChangeDialog(ConfirmDialog):
    """Accept the edited programme? The difference, then y / n; s: also switch OBS now."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ConfirmDialog.BINDINGS,
        Binding("s", "toggle_switch", "Switch OBS now"),
    ]

    def __init__(self, question: str, detail: str = "", new_scene: str | None = None) -> None:
        super().__init__(question, detail)
        self.new_scene = new_scene  # the live slot's scene in the new version, if it changes
        self.switch_now = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            if self.detail:
                yield Label(self.detail, classes="dialog-detail")
            if self.new_scene is not None:
                yield Label(self._switch_text(), id="switch", classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def _switch_text(self) -> str:
        mark = "☑" if self.switch_now else "☐"
        return f"{mark} switch OBS to {self.new_scene} now (s)"

    def action_toggle_switch(self) -> None:
        if self.new_scene is None or self._late() or not self.armed:
            return  # a stray s in the burst that opened it changes nothing
        self.switch_now = not self.switch_now
        self.query_one("#switch", Label).update(self._switch_text())


def live_scene_change(check: ChangeCheck, live_id: str | None) -> str | None:
    """The live slot's scene in the new version, when the change gives it another one."""
    if check.diff is None or live_id is None:
        return None
    for row in check.diff.changed:
        if row.old is not None and row.old.id == live_id and Change.SCENE in row.changes:
            return row.slot.scene or "(none)"
    return None


def detail(check: ChangeCheck, live_id: str | None) -> str:
    lines = list(check.lines)
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES + 1
        lines = [*lines[: MAX_LINES - 1], f"… {more} more lines (timekeeper diff shows them all)"]
    scene = live_scene_change(check, live_id)
    if scene is not None:
        lines.append(
            f"The live slot's scene becomes {scene}: OBS is not switched unless you press s "
            "(or r after accepting)."
        )
    lines.append("What has run stays as it ran; the new plan runs from the moment you accept.")
    return "\n".join(lines)


def present(
    app: App[None],
    check: ChangeCheck,
    accept: Accept | None,
    live_id: str | None,
    switch: Switch | None = None,
) -> None:
    name = check.path
    if check.kind is ChangeKind.INVALID:
        shown = "\n".join(check.lines[:MAX_LINES])
        app.notify(
            f"{shown}\nThe running plan stays; fix the file and save again.",
            title=f"{name}: not valid",
            severity="error",
            timeout=30,
        )
        return
    if check.kind is ChangeKind.REFUSED:
        app.notify(" ".join(check.lines), title="Change refused", severity="warning", timeout=20)
        return
    if check.kind is ChangeKind.UNCHANGED:
        app.notify(f"{name} is the running plan: nothing to change", title="Programme")
        return
    if isinstance(app.screen, ChangeDialog):
        app.pop_screen()  # a newer save replaces the question still open

    def answered(ok: bool | None) -> None:
        if not ok or accept is None:
            if not ok:
                app.notify("The running plan stays (p offers the file again)", title="Programme")
            return
        try:
            accept(check)
        except TimekeeperError as exc:
            app.notify(str(exc), title="Change refused", severity="warning", timeout=20)
            return
        app.notify("The new programme runs from now", title="Programme changed")
        if dialog.switch_now:
            done = switch() if switch is not None else "OBS is not configured for this programme"
            app.notify(done, title="OBS")

    question = f"Accept the edited {name}?"
    new_scene = live_scene_change(check, live_id)
    dialog = ChangeDialog(question, detail(check, live_id), new_scene)
    app.push_screen(dialog, answered)
