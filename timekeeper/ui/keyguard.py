"""Tells deliberate keys from a burst (an elbow, a cat, a stuck key), on an injected clock.

Pure: no Textual. The app feeds it every key with its arrival time and asks what
to do with it; the rule, from measurement (README, "Keys"):

- A person pressing command keys leaves at least ~110 ms between two keys (a
  deliberate double tap measured 120-200 ms here), while a key held down repeats
  every 25-40 ms (X11/console autorepeat at 25-40 Hz) and an elbow, a cat or a
  paste delivers many keys within a few milliseconds, often in one terminal read.
  So a key arriving less than `GAP` (80 ms) after the previous one is part of a
  burst.
- On the dashboard a command key is *held* for `GAP` before it acts: if another
  key follows within that time, the whole group is discarded, the first key
  included, so no burst changes the show. `LOCK_AFTER` (3) keys in one burst lock
  the keyboard; only the unlock chord (ctrl+u), pressed on its own, unlocks it.
- In a dialog keys act at once (typing must not lag, holding an arrow key
  scrolls) and the keyboard never locks, but a key inside a burst never answers
  one (Enter, y, space), and a dialog ignores answers in its first
  `ARM` (300 ms), so the key that opened it cannot also answer it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from timekeeper.core.gate import BURST_GAP

GAP = BURST_GAP  # 80 ms: a key closer than this to the previous one belongs to a burst
ARM = 0.3  # seconds: a dialog takes no answer this soon after it opened
LOCK_AFTER = 3  # keys in one burst that lock the keyboard
UNLOCK = "ctrl+u"
ANSWER_KEYS = frozenset({"enter", "y", "space"})


class Verdict(StrEnum):
    HOLD = "hold"  # keep it until the gap has passed (the dashboard's command keys)
    PASS = "pass"  # let it through now
    DROP = "drop"  # discard it


@dataclass
class KeyGuard:
    """Arrival times in, verdicts out; `settle()` releases or discards what is held."""

    locked: bool = False
    dropped: int = 0  # keys discarded by the last burst (what the lock banner reports)
    _last: float | None = None
    _held: list[object] = field(default_factory=list)
    _group: int = 0  # keys in the current burst, held or not
    _held_at: float = 0.0
    _tail: bool = False

    def in_burst(self, now: float) -> bool:
        return self._last is not None and now - self._last < GAP

    def feed(self, key: str, now: float, *, dashboard: bool, typing: bool, item: object) -> Verdict:
        """What to do with `key` arriving at `now`.

        `dashboard`: no dialog is open (command keys are held); `typing`: a text field has
        the focus (printable keys are text, never commands); `item` is kept while held.
        """
        burst = self.in_burst(now)
        self._last = now
        self._group = self._group + 1 if burst else 1
        if self.locked:
            if key == UNLOCK and not burst:
                self._held = [item]
                self._held_at = now
                self._tail = False
                return Verdict.HOLD  # unlocks only if nothing follows it within the gap
            self._held = []
            self.dropped += 1
            return Verdict.DROP
        if burst and self._held:
            self._held.append(item)  # the group grows; settle() decides its fate
            if self._group >= LOCK_AFTER:
                self._lock()
            return Verdict.DROP if self.locked else Verdict.HOLD
        if dashboard:
            self._held = [item]
            self._held_at = now
            self._tail = burst  # the end of a burst that began in a dialog: discarded too
            return Verdict.HOLD
        if burst and (key == "enter" if typing else key in ANSWER_KEYS):
            return Verdict.DROP  # a burst never answers a dialog (a dialog never locks)
        return Verdict.PASS

    def settle(self, now: float) -> list[object]:
        """Once the gap has passed with nothing more: the single held key, or nothing."""
        if not self._held or now - self._held_at < GAP or self.in_burst(now):
            return []
        held, self._held = self._held, []
        if self.locked:
            if len(held) == 1:
                self.locked = False
                self.dropped = 0
            return []  # the unlock chord itself does nothing else
        if len(held) > 1 or self._tail:
            self.dropped = len(held)
            return []
        return held

    def _lock(self) -> None:
        self.locked = True
        self.dropped = self._group
        self._held = []

    def unlock(self) -> None:
        self.locked = False
        self.dropped = 0
        self._held = []
