"""The connection supervisor: connect, back off, keep a heartbeat, re-sync after each connect.

Owns the life of the obs-websocket connection: the background loop that
connects and reconnects by the `RetryPolicy` (immediately after a drop of a
connection that lasted `STABLE_CONNECTION` seconds), the reading of OBS's state
on connect, the heartbeat that notices a stalled OBS, and the connection fields
of the status (`state`, `reconnect_attempt`, `next_retry_at`, `connected_since`,
`last_known_at`, `obs_rtt`, ...). Between two attempts it waits by `probe.wait_for_retry`:
a cheap TCP probe ends the backoff as soon as OBS's port starts answering, so a
restarted OBS is reconnected and re-synced within a fraction of a second (retried
every quarter second while it is still starting, whatever the backoff). The
round-trip time of the heartbeat's request is kept as `obs_rtt`. What has to
happen once connected or once the link is lost (scenes, actions, texts) it
leaves to callbacks: it must not touch switch jobs, actions or texts itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from timekeeper.errors import ObsAuthError, ObsError, ObsRefusedError, ObsTimeoutError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.port import ObsInfo
from timekeeper.obs.probe import Probe, ProbePolicy, Timer, WaitEnd, wait_for_retry
from timekeeper.obs.status import ObsState, RetryPolicy

STABLE_CONNECTION = 10.0  # seconds a connection must last for the next reconnect to be immediate


class ConnectionSupervisor:
    """Keeps OBS connected; calls `on_connected` after each connect and `on_lost` on a drop.

    `on_studio(studio_mode)` runs after the ObsConnected event and before the
    heartbeat starts (it may turn studio mode on); `on_connected()` then
    re-syncs what the programme wants.
    """

    def __init__(
        self,
        ctx: ObsContext,
        *,
        retry: RetryPolicy,
        heartbeat_interval: float,
        rng: random.Random | None,
        on_studio: Callable[[bool | None], Awaitable[None]],
        on_connected: Callable[[], None],
        on_lost: Callable[[], None],
        probe: Probe | None,
        probe_policy: ProbePolicy,
        timer: Timer,
    ) -> None:
        self._ctx = ctx
        self._probe = probe
        self.probe_policy = probe_policy
        self._timer = timer
        self.retry = retry
        self._heartbeat_interval = heartbeat_interval
        self._rng = rng
        self._on_studio = on_studio
        self._on_connected_cb = on_connected
        self._on_lost = on_lost
        self._heartbeat: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._wake = asyncio.Event()
        self._up = asyncio.Event()  # set on each connect (wait_connected waits on it)

    def start(self) -> None:
        """The supervising loop, as a task of the driver's group (see `ObsContext.spawn`)."""
        self._ctx.spawn(self._supervise())

    async def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until connected (tests, startup); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self._ctx.status.connected:
            self._up.clear()
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._up.wait(), left)
        return True

    def reconnect_now(self) -> None:
        """Operator key: skip the backoff wait (or drop and renew a live connection)."""
        ctx = self._ctx
        ctx.status = replace(ctx.status, reconnect_attempt=0)
        self._wake.set()
        if ctx.port is not None and ctx.port.connected:
            ctx.spawn(self.drop_and_reconnect("reconnect requested by the operator"))

    async def _supervise(self) -> None:
        ctx = self._ctx
        assert ctx.port is not None
        port = ctx.port
        loop = asyncio.get_running_loop()
        attempt = 0
        refused = False  # the last attempt found nothing listening
        reopened_at: float | None = None  # when OBS's port last started answering again
        while not ctx.stopping:
            refused = False
            self._lost.clear()
            if ctx.status.state is not ObsState.AUTH_FAILED:
                ctx.status = replace(ctx.status, state=ObsState.CONNECTING, next_retry_at=None)
            try:
                info = await port.connect()
            except ObsAuthError as exc:
                attempt += 1
                delay = self.retry.delay(attempt, self._rng)
                if ctx.status.state is not ObsState.AUTH_FAILED or ctx.status.last_error != str(
                    exc
                ):
                    ctx.emit(ev.ObsAuthFailed(at=ctx.now(), url=port.url, error=str(exc)))
                ctx.status = replace(ctx.status, state=ObsState.AUTH_FAILED, last_error=str(exc))
            except Exception as exc:  # ObsError, or a bug: either way, retry later
                if not isinstance(exc, ObsError):
                    log.exception("unexpected error connecting to OBS")
                attempt += 1
                refused = isinstance(exc, ObsRefusedError)
                delay = self._delay(attempt, refused, reopened_at)
                ctx.status = replace(ctx.status, state=ObsState.DISCONNECTED, last_error=str(exc))
                ctx.emit(
                    ev.ObsConnectFailed(
                        at=ctx.now(), url=port.url, error=str(exc), attempt=attempt, retry_in=delay
                    )
                )
            else:
                reopened_at = None
                began = loop.time()
                await self._on_connected(info)
                await self._lost.wait()
                self._stop_heartbeat()
                if loop.time() - began >= STABLE_CONNECTION:
                    attempt = 0
                    continue  # a drop after a good while: reconnect at once
                # Dropped soon after connecting: back off, or a flapping OBS would be hammered.
                attempt += 1
                delay = self.retry.delay(attempt, self._rng)
            ctx.status = replace(
                ctx.status,
                reconnect_attempt=attempt,
                next_retry_at=ctx.clock.now() + timedelta(seconds=delay * ctx.clock.speed),
            )
            self._wake.clear()
            end = await wait_for_retry(
                delay,
                probe=self._probe,
                timer=self._timer,
                wake=self._wake,
                policy=self.probe_policy,
                closed=refused,
            )
            if end is WaitEnd.REACHABLE:
                reopened_at = self._timer.monotonic()

    def _delay(self, attempt: int, refused: bool, reopened_at: float | None) -> float:
        """The wait after a failed attempt: the backoff's, but short while OBS is starting.

        A restarted OBS opens its port before it can always finish a handshake: an
        attempt that fails on a port that started answering moments ago is retried every
        `starting_retry` seconds for `starting_for` seconds, not after the backoff
        (seconds, with the port answering all along and so no edge to end the wait).
        """
        delay = self.retry.delay(attempt, self._rng)
        policy = self.probe_policy
        if refused or reopened_at is None or self._probe is None:
            return delay
        if self._timer.monotonic() - reopened_at >= policy.starting_for:
            return delay
        return min(delay, policy.starting_retry)

    async def _on_connected(self, info: ObsInfo) -> None:
        """Read OBS's state, then bring it to what the programme wants."""
        ctx = self._ctx
        assert ctx.port is not None
        port = ctx.port
        try:
            sent = self._timer.monotonic()
            scenes = await port.get_scene_list()
            rtt: float | None = self._timer.monotonic() - sent
            studio = await port.get_studio_mode()
            stream = await port.get_stream_status()
            record = await port.get_record_status()
        except ObsError as exc:
            ctx.status = replace(ctx.status, last_error=f"reading OBS state: {exc}")
            if not port.connected:
                self._lost.set()
                return
            scenes, studio, stream, record, rtt = None, None, None, None, None
        now = ctx.clock.now()
        ctx.status = replace(
            ctx.status,
            state=ObsState.CONNECTED,
            reconnect_attempt=0,
            next_retry_at=None,
            connected_since=now,
            last_known_at=None,
            obs_rtt=rtt,
            scenes=scenes.scenes if scenes else ctx.status.scenes,
            obs_version=info.obs_version,
            program_scene=scenes.program if scenes else None,
            preview_scene=scenes.preview if scenes else None,
            studio_mode=studio,
            streaming=stream.active if stream else None,
            recording=record.active if record else None,
        )
        self._up.set()
        ctx.emit(
            ev.ObsConnected(
                at=ctx.now(),
                url=port.url,
                obs_version=info.obs_version,
                websocket_version=info.websocket_version,
                program_scene=ctx.status.program_scene,
            )
        )
        await self._on_studio(studio)
        self._heartbeat = self._ctx.spawn(self._beat())
        self._on_connected_cb()

    async def _beat(self) -> None:
        """Notice a stalled OBS (TCP alive, nothing answering) and keep output states fresh."""
        ctx = self._ctx
        assert ctx.port is not None
        while True:
            await self._timer.sleep(self._heartbeat_interval)
            try:
                sent = self._timer.monotonic()
                stream = await ctx.port.get_stream_status()
                rtt = self._timer.monotonic() - sent
                record = await ctx.port.get_record_status()
            except ObsTimeoutError as exc:
                await self.drop_and_reconnect(f"OBS stopped answering ({exc})")
                return
            except ObsError:
                continue  # a drop is reported by the Disconnected event
            ctx.status = replace(
                ctx.status, streaming=stream.active, recording=record.active, obs_rtt=rtt
            )

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    async def drop_and_reconnect(self, reason: str) -> None:
        assert self._ctx.port is not None
        with contextlib.suppress(Exception):
            await self._ctx.port.close()  # emits Disconnected(by_client=True), which is ignored
        self.connection_lost(reason, None)

    def connection_lost(self, reason: str, code: int | None) -> None:
        ctx = self._ctx
        if ctx.status.state is not ObsState.CONNECTED:
            self._lost.set()
            return
        # What OBS showed is from now on only the last known state, not the current one.
        ctx.status = replace(
            ctx.status,
            state=ObsState.DISCONNECTED,
            connected_since=None,
            last_error=reason,
            last_known_at=ctx.clock.now(),
        )
        ctx.emit(
            ev.ObsDisconnected(at=ctx.now(), url=ctx.status.url or "", reason=reason, code=code)
        )
        self._on_lost()
        self._lost.set()
