"""The notices of the remote control surfaces (API and OSC), one class per kind.

Owns what an action asked for remotely reports (`RemoteAction`, `RemoteRefused`: the
dashboard's "Remote" line and its log), that OSC listens (`OscListening`) and that a
surface listens beyond this machine (`SurfaceExposed`). The base is `show.notices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from timekeeper.show.notices import Notice


@dataclass(frozen=True)
class _Remote(Notice):
    action: str
    by: str  # api:<client>, osc
    message: str

    verb: ClassVar[str] = ""

    def line(self) -> str:
        return f"{self.by}{self.verb}: {self.message or self.action}"


@dataclass(frozen=True)
class RemoteAction(_Remote):
    """An action done for a remote surface, and what it did (the dashboard's remote line)."""

    kind: ClassVar[str] = "remote_action"


@dataclass(frozen=True)
class RemoteRefused(_Remote):
    """An action a remote surface asked for and was refused (`message`: why)."""

    kind: ClassVar[str] = "remote_refused"
    verb: ClassVar[str] = " refused"


@dataclass(frozen=True)
class OscListening(Notice):
    kind: ClassVar[str] = "osc_listening"
    message: str


@dataclass(frozen=True)
class SurfaceExposed(Notice):
    """A control surface listens beyond this machine (`control_exposed`, `osc_exposed`)."""

    hidden: ClassVar[frozenset[str]] = frozenset({"surface"})
    surface: str  # control | osc
    message: str

    @property
    def event(self) -> str:
        return f"{self.surface}_exposed"
