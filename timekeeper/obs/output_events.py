"""What the OBS controller reports about outputs, one-shot actions and text sources.

Owns the stream/record state events, the keyed action events (sent, done,
queued, failed, skipped; `action_words`) and the text source events, each a
frozen `ObsEvent` with its `kind` and `message`. It must not define
connection or scene events (those are in `events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from timekeeper.obs.event_base import ObsEvent

# ---------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class StreamStarted(ObsEvent):
    kind: ClassVar[str] = "stream_started"

    @property
    def message(self) -> str:
        return "OBS is streaming"


@dataclass(frozen=True)
class StreamStopped(ObsEvent):
    kind: ClassVar[str] = "stream_stopped"

    @property
    def message(self) -> str:
        return "OBS stopped streaming"


@dataclass(frozen=True)
class RecordStarted(ObsEvent):
    kind: ClassVar[str] = "record_started"
    path: str | None = None

    @property
    def message(self) -> str:
        return "OBS is recording"


@dataclass(frozen=True)
class RecordStopped(ObsEvent):
    kind: ClassVar[str] = "record_stopped"
    path: str | None = None

    @property
    def message(self) -> str:
        return f"OBS stopped recording ({self.path})" if self.path else "OBS stopped recording"


@dataclass(frozen=True)
class RehearsalOnLiveOutput(ObsEvent):
    """A dress rehearsal found OBS streaming or recording: it stopped switching scenes."""

    kind: ClassVar[str] = "rehearsal_on_live_output"
    outputs: str  # "recording", "streaming", "streaming and recording"

    @property
    def message(self) -> str:
        return (
            f"OBS is {self.outputs} during a dress rehearsal: scene switching STOPPED so the "
            "rehearsal cannot change what goes out (a turns it back on)"
        )


# ---------------------------------------------------------------------- one-shot actions

_ACTION_WORDS = {
    "start_streaming": "start streaming",
    "stop_streaming": "stop streaming",
    "start_recording": "start recording",
    "stop_recording": "stop recording",
}


def action_words(action: str) -> str:
    return _ACTION_WORDS.get(action, action.replace("_", " "))


@dataclass(frozen=True)
class ActionSent(ObsEvent):
    kind: ClassVar[str] = "action_sent"
    action: str
    key: str

    @property
    def message(self) -> str:
        return f"asked OBS to {action_words(self.action)}"


@dataclass(frozen=True)
class ActionDone(ObsEvent):
    """A keyed action took effect: persist `key` so it is never sent again (as-run log)."""

    kind: ClassVar[str] = "action_done"
    action: str
    key: str
    note: str | None = None

    @property
    def message(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{action_words(self.action)}: done{note}"


@dataclass(frozen=True)
class ActionQueued(ObsEvent):
    kind: ClassVar[str] = "action_queued"
    action: str
    key: str

    @property
    def message(self) -> str:
        return f"OBS not connected: will {action_words(self.action)} when it is"


@dataclass(frozen=True)
class ActionFailed(ObsEvent):
    kind: ClassVar[str] = "action_failed"
    action: str
    key: str
    error: str
    code: int | None
    will_retry: bool

    @property
    def message(self) -> str:
        then = "will retry" if self.will_retry else "not retried"
        return f"{action_words(self.action)} failed: {self.error} ({then})"


@dataclass(frozen=True)
class ActionSkipped(ObsEvent):
    kind: ClassVar[str] = "action_skipped"
    action: str
    key: str
    reason: str  # already_done | dry_run | dress_rehearsal | not_configured

    @property
    def message(self) -> str:
        if self.reason == "already_done":
            return f"{action_words(self.action)}: already done ({self.key}), not sent again"
        return f"would {action_words(self.action)} ({self.reason.replace('_', ' ')})"


# ---------------------------------------------------------------------- text sources


@dataclass(frozen=True)
class TextSet(ObsEvent):
    kind: ClassVar[str] = "text_set"
    source: str
    text: str
    sent: bool = True

    @property
    def message(self) -> str:
        verb = "set" if self.sent else "would set"
        return f"{verb} {self.source} to {self.text!r}"


@dataclass(frozen=True)
class TextFailed(ObsEvent):
    kind: ClassVar[str] = "text_failed"
    source: str
    error: str

    @property
    def message(self) -> str:
        return f"cannot set text of {self.source}: {self.error}"
