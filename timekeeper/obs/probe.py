"""The cheap reachability probe, and the wait between two connection attempts that it cuts short.

Owns what lets timekeeper reconnect within a fraction of a second of OBS coming
back whatever the backoff (and the pace of retries while a restarted OBS is still
starting, `ProbePolicy.starting_retry`): between two full obs-websocket handshakes (the
expensive part, paced by the `RetryPolicy`), a plain TCP connect to OBS's port
every `ProbePolicy.interval`. When the port goes from not answering to
answering (OBS restarted, the network came back), the wait ends and the
handshake is tried at once. A port that answers all along (a wrong password,
something that is not obs-websocket) never ends the wait early: it is only
probed slowly, to notice a restart. Timers are the injected `Timer`'s (the
event loop's by default), so the wait is tested without waiting. It must not
speak the websocket protocol or touch the status: that is `connection`.

A dry run sends nothing to OBS and only shows its state, so it probes ten
times slower (`DRY_RUN_PROBE`): OBS coming back shows on the panel within a
second instead of a tenth, and the dashboard is not woken ten times a second
for it (`probe_policy_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from timekeeper.core.modes import RunMode

Probe = Callable[[], Awaitable[bool]]


class Timer(Protocol):
    """Monotonic seconds and sleeping: the event loop's in a run, a fake one in tests."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopTimer:
    """The running event loop's clock (real seconds)."""

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class ProbePolicy:
    """How often OBS's port is probed while waiting to reconnect (real seconds)."""

    interval: float = 0.1  # while the port does not answer: OBS back -> found within this
    open_interval: float = 1.0  # while it answers (the handshake failed): only to see a restart
    timeout: float = 0.25  # a probe that gets no answer in this long counts as "not answering"
    # OBS just came back (its port started answering) but the handshake failed: it is still
    # starting. Retry this often for this long before the backoff applies again.
    starting_retry: float = 0.25
    starting_for: float = 5.0


# Nothing is sent in a dry run: OBS back -> shown within a second is soon enough.
DRY_RUN_PROBE = ProbePolicy(interval=1.0)


def probe_policy_for(mode: RunMode) -> ProbePolicy:
    """The probe's pace in `mode`: a tenth of a second when switches may wait on OBS, a
    second in a dry run (nothing is sent; the panel shows OBS's state)."""
    return DRY_RUN_PROBE if mode is RunMode.DRY else ProbePolicy()


class WaitEnd(StrEnum):
    ELAPSED = "elapsed"  # the backoff delay passed
    REACHABLE = "reachable"  # the port started answering: try the handshake now
    WOKEN = "woken"  # the operator asked to reconnect now


def tcp_probe(url: str, timeout: float = ProbePolicy.timeout) -> Probe:
    """A probe that opens (and at once drops) a TCP connection to the websocket URL's port."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:  # a malformed port: never answers (the handshake says why)
        port = 0

    async def probe() -> bool:
        if not port:
            return False
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError):
            return False
        writer.transport.abort()  # no handshake, no lingering socket
        return True

    return probe


async def wait_for_retry(
    delay: float,
    *,
    probe: Probe | None,
    timer: Timer,
    wake: asyncio.Event,
    policy: ProbePolicy,
    closed: bool = False,
) -> WaitEnd:
    """Wait up to `delay` real seconds; end early when the port starts answering or on `wake`.

    "Starts answering" is an edge, not a state: a probe that answers after one
    that did not. The first probe is made at once, so a port closed when the
    wait begins (OBS killed) and open later (OBS restarted) ends it within one
    `interval` (plus the probe's own time). `closed`: the attempt before this wait
    was refused, so the port counts as not answering from the start (OBS opening
    its port between that refusal and the first probe is an edge too).
    """
    deadline = timer.monotonic() + delay
    last: bool | None = False if closed else None
    while True:
        if wake.is_set():
            return WaitEnd.WOKEN
        if probe is not None:
            answered = await _probe(probe, policy.timeout)
            if answered and last is False:
                return WaitEnd.REACHABLE
            last = answered
            step = policy.open_interval if answered else policy.interval
        else:
            step = delay
        left = deadline - timer.monotonic()
        if left <= 0:
            return WaitEnd.ELAPSED
        if await _nap(timer, min(step, left), wake):
            return WaitEnd.WOKEN


async def _probe(probe: Probe, timeout: float) -> bool:
    try:
        return bool(await asyncio.wait_for(probe(), timeout * 2))
    except Exception:  # a probe must never end the supervisor
        return False


async def _nap(timer: Timer, seconds: float, wake: asyncio.Event) -> bool:
    """Sleep on the timer; True if `wake` was set meanwhile."""
    sleeper = asyncio.ensure_future(timer.sleep(seconds))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waker):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return wake.is_set()
