"""The dashboard's side of a programme edit: errors shown as `check` shows them, or the difference
in a confirmation dialog (docs/changes.md).

Owns `present(app, check, accept)`: an invalid file is a notification listing its
problems (`FILE:LINE:COL: error: …`) and the running plan stays; a refused
change says why; a valid one opens a `ConfirmDialog` with the difference — it
answers once and not in its first 300 ms, like every confirmation; `y` calls
`accept`, anything else dismisses it. A newer edit replaces a dialog still open.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from timekeeper.core.diff import Change
from timekeeper.errors import TimekeeperError
from timekeeper.runtime.changes import ChangeCheck, ChangeKind
from timekeeper.ui.screens.dialogs import ConfirmDialog

MAX_LINES = 14  # of the difference in the dialog; `timekeeper diff` prints them all
Accept = Callable[[ChangeCheck], object]


class ChangeDialog(ConfirmDialog):
    """Accept the edited programme? The difference, then y / n."""


def detail(check: ChangeCheck, live_id: str | None) -> str:
    lines = list(check.lines)
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES + 1
        lines = [*lines[: MAX_LINES - 1], f"… {more} more lines (timekeeper diff shows them all)"]
    diff = check.diff
    if diff is not None and live_id is not None:
        for row in diff.changed:
            if row.old is not None and row.old.id == live_id and Change.SCENE in row.changes:
                lines.append(
                    f"The live slot's scene becomes {row.slot.scene or '(none)'}: OBS is not "
                    "switched now (r does it after accepting)."
                )
    lines.append("What has run stays as it ran; the new plan runs from the moment you accept.")
    return "\n".join(lines)


def present(app: App[None], check: ChangeCheck, accept: Accept | None, live_id: str | None) -> None:
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

    question = f"Accept the edited {name}?"
    app.push_screen(ChangeDialog(question, detail(check, live_id)), answered)
