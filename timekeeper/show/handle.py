"""What the layers under the composition root may use of a run: `RunHandle`.

The control surfaces, the venue's rooms and the revisions take a run through this
protocol, never `app.run.Runtime` itself, so the dependency points down: the
composition root (`app/`) builds the run and hands it to them; they cannot reach back.
`app.run.Runtime` satisfies it (mypy checks that where the assembly passes it on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from timekeeper.core.programme import Programme
from timekeeper.show.session import ShowSession

if TYPE_CHECKING:
    from timekeeper.asrun import RunStart
    from timekeeper.obs.status import ObsStatus


class RunHandle(Protocol):
    """A running show: its programme and session, its log, and where it reports."""

    programme: Programme  # the version in effect: a revision replaces it

    @property
    def session(self) -> ShowSession: ...

    @property
    def asrun(self) -> RunStart | None: ...

    @property
    def obs_command(self) -> Callable[[str], str] | None: ...

    def notice(self, event: str, **data: object) -> None:
        """Tell the front end (a dashboard log line, a headless JSON line), stamped now."""

    def obs_act(self, name: str, source: str) -> str:
        """An operator's OBS command with who asked: done, logged, what it did returned."""

    def read_obs_status(self) -> ObsStatus | None:
        """The OBS controller's status; None: no OBS configured."""
