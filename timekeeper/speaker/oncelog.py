"""Repeated refusals logged once with a count: a flood of bad packets cannot flood the log.

The first of a kind is logged at once (one line, no traceback); later ones are counted
and summed up at most every `every` seconds ("… 8,410 more since 15:02:11"), and once
more by `flush()` when the run stops. The clock is injected (monotonic seconds).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EVERY = 60.0  # seconds between two summaries of one kind


@dataclass
class OnceLog:
    """Logs each `kind` of trouble once, then a count now and then."""

    log: logging.Logger
    every: float = EVERY
    clock: Callable[[], float] = time.monotonic
    counts: dict[str, int] = field(default_factory=dict)  # since the last line, per kind
    totals: dict[str, int] = field(default_factory=dict)
    _said: dict[str, float] = field(default_factory=dict)

    def tell(self, kind: str, detail: str) -> None:
        """One more `kind` (a short, fixed name); `detail` describes this one."""
        self.totals[kind] = self.totals.get(kind, 0) + 1
        now = self.clock()
        said = self._said.get(kind)
        if said is None:
            self._said[kind] = now
            self.log.warning("%s: %s (repeats are counted, not logged)", kind, detail[:200])
            return
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if now - said >= self.every:
            self._summary(kind, now, detail)

    def _summary(self, kind: str, now: float, detail: str) -> None:
        count = self.counts.pop(kind, 0)
        self._said[kind] = now
        if count:
            self.log.warning("%s: %d more (last: %s)", kind, count, detail[:200])

    def flush(self) -> None:
        for kind in list(self.counts):
            self._summary(kind, self.clock(), "at stop")
