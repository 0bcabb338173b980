"""The burst rule every surface shares: one show-moving action per burst, none on a stale view.

The keyboard discards keys closer than `BURST_GAP` (80 ms, measured: README, "Keys";
`ui/keyguard.py` uses this constant). A remote surface cannot take back a request it
already carried out, so the gate refuses the *second* one instead:

- **burst**: a show-moving action from a surface (`api`, `osc`, `mqtt:<room>`) less
  than `BURST_GAP` after that surface's previous one finished is refused;
- **stale**: a request that arrived before the show last moved (by any surface, the
  keyboard, or a deadline) was decided on a view that no longer holds, and is refused.
  A Stream Deck's double press, a client's retry after a timeout, five copies of one
  OSC message in one datagram or 200 parallel requests move the show once.

Pure: monotonic seconds in, a refusal reason (or None) out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

BURST_GAP = 0.08  # seconds: the keyboard's burst gap


@dataclass
class BurstGate:
    """Per-surface times of the last show-moving action, and when the show last moved."""

    gap: float = BURST_GAP
    moved_at: float = -math.inf
    _last: dict[str, float] = field(default_factory=dict)

    def refusal(self, surface: str, arrived: float, now: float) -> str | None:
        """Why a show-moving action from `surface`, received at `arrived`, may not act at `now`."""
        if arrived < self.moved_at:
            return (
                "the show moved while this request waited: nothing done "
                "(send it again if you still mean it)"
            )
        last = self._last.get(surface)
        if last is not None and now - last < self.gap:
            return (
                f"a second show-moving action from {surface} within "
                f"{self.gap * 1000:.0f} ms of the last: refused as a burst (a double press?)"
            )
        return None

    def acted(self, surface: str, now: float) -> None:
        """`surface` moved the show at `now` (after the action finished)."""
        if len(self._last) >= 256 and surface not in self._last:
            self._last.pop(next(iter(self._last)))
        self._last[surface] = now
        self.moved_at = max(self.moved_at, now)

    def show_moved(self, now: float) -> None:
        """The show moved by something outside the gate (a key, a deadline)."""
        self.moved_at = max(self.moved_at, now)
