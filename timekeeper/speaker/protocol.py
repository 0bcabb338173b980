"""The speaker-screen protocol (version 1): one import for the server, the followers and tests.

Followers receive the show as *timestamps* (the live countdown's deadline and
phase thresholds), never as ticking values: every screen recomputes the digits
each frame from its own clock, so screens count smoothly and agree, and a
follower that loses the connection keeps counting from the last state.

Messages (JSON text frames; every one carries "v": 1 and a "type"):

- server -> follower ``snapshot``: the whole state (see `build_snapshot`), sent on
  connect and after every change, at most once per change (later ones replace
  earlier ones a slow follower has not read yet).
- server -> follower ``time``: heartbeat every few seconds: show_time and speed.
- follower -> server ``ping`` {"t": <any number>}; server -> follower ``pong``
  {"t": <echoed>, "show_time": ..., "speed": ...}. Anything else a follower sends
  is ignored: followers are read-only.

The parts live in their own modules, re-exported here:

- `speaker.wire`: versions, instants on the wire, `time`/`pong`/`ping`, field checks;
- `speaker.snapshot`: building and parsing the `snapshot`;
- `speaker.clocksync`: mapping a follower's clock to the operator's show clock;
- `speaker.display`: what a speaker screen shows at an instant (speaker.js mirrors it);
- `speaker.urls`: the server's URLs from what a person typed.

All pure: no I/O, no clock reads.
"""

from __future__ import annotations

from timekeeper.speaker.clocksync import SAMPLES, ClockEstimator, ClockSync
from timekeeper.speaker.display import (
    Display,
    compute_display,
    countdown_at,
    follow,
    waiting_display,
)
from timekeeper.speaker.snapshot import (
    LiveSlot,
    LiveTurn,
    Message,
    NextSlot,
    Snapshot,
    Times,
    build_snapshot,
    parse_snapshot,
)
from timekeeper.speaker.urls import FollowerUrls, follower_urls
from timekeeper.speaker.wire import (
    VERSION,
    ProtocolError,
    check_version,
    instant,
    parse_time,
    ping_echo,
    time_message,
)

__all__ = [
    "SAMPLES",
    "VERSION",
    "ClockEstimator",
    "ClockSync",
    "Display",
    "FollowerUrls",
    "LiveSlot",
    "LiveTurn",
    "Message",
    "NextSlot",
    "ProtocolError",
    "Snapshot",
    "Times",
    "build_snapshot",
    "check_version",
    "compute_display",
    "countdown_at",
    "follow",
    "follower_urls",
    "instant",
    "parse_snapshot",
    "parse_time",
    "ping_echo",
    "time_message",
    "waiting_display",
]
