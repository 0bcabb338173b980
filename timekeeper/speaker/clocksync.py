"""Follower clock sync: mapping a follower's local clock to the operator's show clock.

A follower never trusts its own time of day. It keeps an anchor pair measured
NTP-style: it sends a ping carrying its local send time, the server echoes it
with its show-clock reading, and the follower takes the reading to belong to
the midpoint of the round trip. Then

    show_now = show_ref + (local_now - local_ref) * speed

which corrects the offset between the machines and the rehearsal speed at once.
Pure: the caller passes every instant in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

SAMPLES = 8  # clock samples kept; the one with the shortest round trip wins


@dataclass(frozen=True)
class ClockSync:
    """Maps the follower's local clock to the operator's show clock.

    `rtt` is the round trip the anchor was measured with (None: a provisional
    anchor taken from a message's arrival, before any ping came back).
    """

    local_ref: datetime
    show_ref: datetime
    speed: float
    rtt: float | None = None

    def show_at(self, local: datetime) -> datetime:
        return self.show_ref + (local - self.local_ref) * self.speed

    @property
    def offset(self) -> timedelta:
        """Show clock minus local clock at the anchor (the correction at speed 1)."""
        return self.show_ref - self.local_ref


class ClockEstimator:
    """Keeps the best anchor: the recent sample with the shortest round trip.

    A short round trip bounds the error (at most rtt/2), so a congested
    moment's late pong cannot drag the screens off; old samples age out so a
    follower whose clock drifts keeps following.
    """

    def __init__(self, keep: int = SAMPLES) -> None:
        self._samples: deque[ClockSync] = deque(maxlen=keep)
        self._provisional: ClockSync | None = None

    @property
    def sync(self) -> ClockSync | None:
        if self._samples:
            return min(self._samples, key=lambda s: s.rtt if s.rtt is not None else math.inf)
        return self._provisional

    def arrived(self, show_time: datetime, speed: float, local: datetime) -> None:
        """A message stamped `show_time` arrived at `local`: good enough until a pong."""
        self._provisional = ClockSync(local, show_time, speed)

    def pong(self, sent: datetime, received: datetime, show_time: datetime, speed: float) -> None:
        """A ping sent at local `sent` came back at `received` carrying `show_time`."""
        rtt = (received - sent).total_seconds()
        if rtt < 0:  # the local clock stepped back: this sample means nothing
            return
        self._samples.append(ClockSync(sent + (received - sent) / 2, show_time, speed, rtt))

    def reset(self) -> None:
        """A new connection may be to another run (another clock): forget everything."""
        self._samples.clear()
        self._provisional = None
