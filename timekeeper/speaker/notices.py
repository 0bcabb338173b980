"""The speaker-screen server's notice: where the screens are (`SpeakerServerStarted`).

Its base is `show.notices`; the service that tells it is `app.assembly.SpeakerService`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from timekeeper.show.notices import Notice
from timekeeper.speaker.urls import SCREEN_OPTIONS


@dataclass(frozen=True)
class SpeakerServerStarted(Notice):
    """The speaker screens' URL (`control`: the control API is served there too)."""

    kind: ClassVar[str] = "speaker_server"
    url: str
    control: bool | None

    def line(self) -> str:
        return f"Speaker screens at {self.url} (add {SCREEN_OPTIONS})"
