"""What the layers under the composition root may use of a run: `RunHandle`, `ObsHandle`.

The control surfaces, the venue's rooms and the revisions take a run through this
protocol, never `app.run.Runtime` itself, so the dependency points down: the
composition root (`app/`) builds the run and hands it to them; they cannot reach back.
`app.run.Runtime` satisfies it (mypy checks that where the assembly passes it on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from timekeeper.core.programme import Programme
from timekeeper.show.notices import Notice
from timekeeper.show.session import ShowSession

if TYPE_CHECKING:
    from timekeeper.asrun import RunStart
    from timekeeper.obs.status import ObsStatus


class ObsHandle(Protocol):
    """OBS as a run uses it: the controller's status (the panel, the status API) and the
    operator's commands ("resend" the live scene, toggle "auto" switching)."""

    def status(self) -> ObsStatus: ...

    def command(self, name: str) -> str:
        """Do `name`; says what it did."""


class PairHandle(Protocol):
    """A run's standby pair as keys and the control API use it (`app.pair.PairService`)."""

    def take_over(self, source: str) -> str:
        """The armed standby's key: says what it does, or raises TransitionError (why not)."""

    def hand_over(self, source: str) -> str:
        """The driver's planned handover: says what it does, or raises TransitionError."""

    def line(self) -> str:
        """The pair line: who drives, the epoch, the lag, the last word from the other."""


class RunHandle(Protocol):
    """A running show: its programme and session, its log, OBS, and where it reports."""

    @property
    def programme(self) -> Programme:
        """The version in effect (a revision replaces it)."""

    @property
    def session(self) -> ShowSession: ...

    @property
    def asrun(self) -> RunStart | None: ...

    @property
    def obs(self) -> ObsHandle | None:
        """None: OBS is not configured for this programme."""

    @property
    def pair(self) -> PairHandle | None:
        """None: the run is in no standby pair (no room with a broker)."""

    def tell(self, notice: Notice) -> None:
        """Tell the front ends (a dashboard log line, a headless JSON line)."""

    def obs_act(self, name: str, source: str) -> str:
        """An operator's OBS command with who asked: done, logged, what it did returned."""

    def read_obs_status(self) -> ObsStatus | None:
        """The OBS controller's status; None: no OBS configured."""
