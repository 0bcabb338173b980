"""RUNNING LATE across the screen: the re-plan on offer and the keys that take or leave it.

Renders the lines it is given (`ui.views.proposal_lines`); hidden while there is
no proposal. docs/running-late.md says what a proposal is.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class ProposalBanner(Static):
    """The running-late proposal: a headline with the keys, then one line of changes."""

    view: reactive[tuple[str, ...]] = reactive(())

    def watch_view(self, view: tuple[str, ...]) -> None:
        self.update("\n".join(view))
        self.display = bool(view)
