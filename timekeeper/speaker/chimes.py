"""When a speaker screen chimes: one soft chime at warning, two at danger, three at zero.

For speakers who look at their notes, not at the screen. Sound is opt-in per
screen (`--sound` on the terminal, `?sound=1` in a browser, never on the OBS
source). The rule is pure: each frame's `Display` goes in, the number of chimes to
play comes out. A chime marks the countdown *reaching* a phase: a screen that
connects in the middle of a danger phase does not chime for it, a countdown that
an extension moves back to normal does not chime, and a new slot or turn starts
silent. A newly flashed message chimes once. static/speaker.js mirrors this rule
(`Chimes`), checked against the same cases in headless Chromium.
"""

from __future__ import annotations

from dataclasses import dataclass

from timekeeper.speaker.display import Display

SEVERITY = {"normal": 0, "warning": 1, "danger": 2, "overtime": 3}
CHIMES = {"warning": 1, "danger": 2, "overtime": 3}
MESSAGE_CHIMES = 1
GAP = 0.45  # seconds between the chimes of one cue


@dataclass
class ChimePlanner:
    """Feed it every frame's display; `cue()` says how many chimes to play now (often 0)."""

    _key: tuple[str, str] | None = None  # which countdown: the live title and speaker
    _severity: int = 0
    _message: str = ""

    def cue(self, display: Display) -> int:
        key = (display.title, display.name)
        severity = SEVERITY.get(display.phase, 0)
        chimes = 0
        if self._key is None:  # first sight: what is already on screen is not news
            self._message = display.message
        if key != self._key:
            self._key = key  # first sight, or a new slot or turn: starts silent
        elif severity > self._severity:
            chimes = CHIMES.get(display.phase, 0)
        self._severity = severity
        if display.message != self._message:
            if display.message and display.flash:
                chimes = max(chimes, MESSAGE_CHIMES)
            self._message = display.message
        return chimes
