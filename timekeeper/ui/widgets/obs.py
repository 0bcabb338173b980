"""The OBS panel and where the speaker screens are served.

`obs` takes whatever the OBS status provider returns (a Rich renderable, a string,
or any object with a readable `str()`); None reads "OBS: not configured". The
OBS issue fills it in by feeding this reactive; nothing else here knows OBS.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.protocol import is_renderable
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from timekeeper.speaker.urls import SCREEN_OPTIONS


def _renderable(value: object) -> RenderableType:
    if value is None:
        return Text("OBS: not configured", style="dim")
    if isinstance(value, str):
        return Text(value)
    if is_renderable(value):
        return value  # type: ignore[return-value]
    return Text(str(value))


class ObsPanel(Widget):
    """OBS connection, program scene, stream/record, last switch; and the speaker-screen URL."""

    obs: reactive[Any] = reactive(None)
    speaker_url: reactive[str | None] = reactive(None)

    def render(self) -> RenderableType:
        speakers = (
            Text(
                f"Speakers: {self.speaker_url}  {SCREEN_OPTIONS}", no_wrap=True, overflow="ellipsis"
            )
            if self.speaker_url
            else Text("Speakers: off", style="dim")
        )
        return Group(_renderable(self.obs), speakers)
