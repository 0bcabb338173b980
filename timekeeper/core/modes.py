"""How a run may touch OBS (`RunMode`) and what the operator tells the speakers (`SpeakerMessage`).

Plain values shared by the session, the as-run log, the OBS side and every screen;
they live in the core so each of those imports them from one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunMode(StrEnum):
    """How a run may touch OBS; its value is the as-run log header's and the JSON lines' `mode`."""

    LIVE = "live"  # the real show: OBS switches scenes and starts/stops the stream
    DRESS = "dress"  # a rehearsal that switches scenes and texts; stream/record only reported
    DRY = "dry"  # nothing that changes OBS is ever sent; everything is reported

    @property
    def obs_word(self) -> str:
        """The mode as OBS records and the announcement to OBS spell it (`dress_rehearsal`,
        `dry_run`): logs already written and other timekeepers read these words."""
        return _OBS_WORDS[self]


_OBS_WORDS = {RunMode.LIVE: "live", RunMode.DRESS: "dress_rehearsal", RunMode.DRY: "dry_run"}


@dataclass(frozen=True)
class SpeakerMessage:
    """A message from the operator to the speaker screens."""

    text: str
    flash: bool = False
