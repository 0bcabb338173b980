"""How a run may touch OBS (`RunMode`) and what the operator tells the speakers (`SpeakerMessage`).

Plain values shared by the session, the as-run log, the OBS side and every screen;
they live in the core so each of those imports them from one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunMode(StrEnum):
    LIVE = "live"  # the real show: OBS switches scenes and starts/stops the stream
    DRESS = "dress"  # a rehearsal that switches scenes, but never streams or records
    DRY = "dry"  # nothing that changes OBS is ever sent


@dataclass(frozen=True)
class SpeakerMessage:
    """A message from the operator to the speaker screens."""

    text: str
    flash: bool = False
