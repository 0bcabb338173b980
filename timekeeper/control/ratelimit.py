"""Per-client rate limits: a token bucket per client, on an injected monotonic clock.

A stuck Stream Deck key, a looping script or someone guessing tokens gets a 429
(or, over OSC, a refusal) instead of moving the show many times a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENTS = 1024  # buckets kept; the oldest full one is forgotten first


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`capacity` requests at once, refilled at `rate` a second, per client key."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float]) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}

    def wait(self, client: str) -> float:
        """Seconds until `client` could take one (0.0: now), spending nothing."""
        bucket = self._buckets.get(client)
        if bucket is None:
            return 0.0
        tokens = min(self.capacity, bucket.tokens + (self.clock() - bucket.at) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, client: str) -> float:
        """Spend one token of `client`'s bucket: 0.0 when allowed, else seconds until one is."""
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= MAX_CLIENTS:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[client] = Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
