"""The long-lived, self-healing OBS side of the show.

`ObsController` takes *desired state and one-shot actions* — "the live slot
wants scene Keynote from this boundary", "start recording (key k)", "the
Countdown text should read 4:59" — and makes OBS match, whatever OBS does:
it connects and reconnects with backoff, confirms every switch by OBS's own
CurrentProgramSceneChanged event, retries by a stated policy, backs off when
someone switches by hand, never repeats a keyed stream/record action, and
throttles text updates. It knows nothing of the schedule engine.

It never raises out of its background work: every failure becomes an
`ObsEvent` (posted through `on_event`) and shows in the frozen `ObsStatus`
snapshot (`controller.status`). Instants come from the injected clock; waits
(backoff, timeouts, throttling) are real seconds on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from timekeeper.core.clock import Clock
from timekeeper.core.programme import ObsAction, ObsSettings, Programme, Transition
from timekeeper.errors import (
    ObsAuthError,
    ObsConnectionError,
    ObsError,
    ObsRequestError,
    ObsTimeoutError,
)
from timekeeper.obs import events as ev
from timekeeper.obs.port import (
    CODE_OUTPUT_NOT_RUNNING,
    CODE_OUTPUT_RUNNING,
    CODE_RESOURCE_NOT_FOUND,
    Disconnected,
    ExitStarted,
    ObsInfo,
    ObsPort,
    PortEvent,
    PreviewSceneChanged,
    ProgramSceneChanged,
    RecordStateChanged,
    StreamStateChanged,
    StudioModeChanged,
)
from timekeeper.obs.preflight import PreflightReport, Unreachable, check_names

log = logging.getLogger(__name__)

OUTPUT_STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STABLE_CONNECTION = 10.0  # seconds a connection must last for the next reconnect to be immediate
OUTPUT_STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"


class ObsState(StrEnum):
    NOT_CONFIGURED = "not_configured"  # the programme has no obs section / no port given
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # between attempts; see next_retry_at
    AUTH_FAILED = "auth_failed"  # still retried (slowly): someone may fix the password in OBS


class ObsMode(StrEnum):
    LIVE = "live"
    DRESS_REHEARSAL = "dress_rehearsal"  # scenes and texts switch; stream/record only reported
    DRY_RUN = "dry_run"  # nothing that changes OBS is sent; everything is reported


class SwitchOutcome(StrEnum):
    PENDING = "pending"  # requested, or waiting to (retry, reconnect)
    CONFIRMED = "confirmed"  # OBS's CurrentProgramSceneChanged named the scene
    FAILED = "failed"  # refused or unconfirmed after the retries: alarm until re-sent
    SKIPPED = "skipped"  # dry run / automatic switching off: only reported
    SUPERSEDED = "superseded"  # a newer switch_scene() replaced it before it finished
    OVERRIDDEN = "overridden"  # someone switched by hand while it was pending
    CANCELLED = "cancelled"  # automatic switching turned off, or the controller stopped


@dataclass(frozen=True)
class RetryPolicy:
    """Reconnect backoff as data: attempt n waits min(maximum, initial·factor^(n-1)) ± jitter.

    Jitter spreads reconnects of several instances; the first reconnect after
    a drop is immediate (OBS restarted is usually back in ~1–2 s, a dropped
    network link in milliseconds).
    """

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 10.0
    jitter: float = 0.1  # fraction of the delay, ±

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Real seconds to wait before reconnect attempt `attempt` (1-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return max(0.0, base + (rng or random).uniform(-spread, spread))


@dataclass(frozen=True)
class SwitchPolicy:
    """What happens when a scene switch is refused or not confirmed.

    A switch counts as done only when OBS's CurrentProgramSceneChanged names
    the scene, within `confirm_timeout` (+ the transition's duration). If it
    is refused (any error but "no such scene") or not confirmed, it is re-sent
    after `retry_interval`, up to `retries` more times; then it stays failed
    (alarm) until the operator re-sends or the next boundary switches. A
    missing scene (code 600) is not retried: only a person can fix that. A
    switch that cannot be sent because OBS is down is sent on reconnect.
    """

    confirm_timeout: float = 2.0
    retries: int = 3
    retry_interval: float = 1.0


@dataclass(frozen=True)
class SwitchRecord:
    """One scene switch as it happened (or did not): what the dashboard and the as-run log show."""

    scene: str
    key: str
    reason: str  # boundary | retry | reconnect | operator
    boundary_at: datetime
    requested_at: datetime | None = None
    confirmed_at: datetime | None = None
    request_delay: timedelta | None = None  # boundary -> request sent
    confirm_delay: timedelta | None = None  # boundary -> OBS's confirming event
    outcome: SwitchOutcome = SwitchOutcome.PENDING
    attempts: int = 0
    error: str | None = None
    transition: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is SwitchOutcome.CONFIRMED


@dataclass(frozen=True)
class ActionRecord:
    action: ObsAction
    key: str
    outcome: str  # done | already_done | skipped | failed | cancelled
    note: str | None = None


@dataclass(frozen=True)
class ObsStatus:
    """A snapshot of everything the dashboard's OBS panel shows. Compare with `!=`."""

    state: ObsState
    url: str | None = None
    mode: ObsMode = ObsMode.LIVE
    auto_switch: bool = True
    override: bool = False  # someone switched by hand; not fought until the next boundary
    desired_scene: str | None = None  # what the live slot wants
    program_scene: str | None = None
    preview_scene: str | None = None
    studio_mode: bool | None = None
    streaming: bool | None = None  # None: unknown (never connected)
    recording: bool | None = None
    last_switch: SwitchRecord | None = None
    alarm: str | None = None  # a switch that failed for good: shown until fixed
    last_error: str | None = None
    reconnect_attempt: int = 0
    next_retry_at: datetime | None = None  # clock instant of the next connection attempt
    obs_version: str | None = None
    connected_since: datetime | None = None

    @property
    def connected(self) -> bool:
        return self.state is ObsState.CONNECTED


@dataclass(eq=False)
class _Switch:
    """The controller's working copy of a switch job (mutable; snapshots are SwitchRecords)."""

    scene: str
    key: str
    boundary_at: datetime
    transition: Transition | None
    future: asyncio.Future[SwitchRecord]
    reason: str = "boundary"
    attempt: int = 0
    phase: str = "idle"  # idle | sending | confirming | retry_wait | offline | done
    record: SwitchRecord | None = None
    timer: asyncio.TimerHandle | None = None
    announced: bool = False  # the "requested" event for the current attempt went out
    requested_at: datetime | None = None


@dataclass(eq=False)
class _Action:
    action: ObsAction
    key: str
    future: asyncio.Future[ActionRecord]
    running: bool = False
    retry: asyncio.TimerHandle | None = None


@dataclass
class _Texts:
    wanted: dict[str, str] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)  # loop.time() of the last send
    busy: set[str] = field(default_factory=set)  # a send is scheduled or in flight


_STREAM = {ObsAction.START_STREAMING, ObsAction.STOP_STREAMING}
_STARTS = {ObsAction.START_STREAMING, ObsAction.START_RECORDING}


class ObsController:
    """Keeps OBS on the scene the programme wants and runs its one-shot actions.

    Usage: construct, `await start()`, then call `switch_scene`,
    `preview_scene`, `run_action`, `set_text`, `resend_live_scene`,
    `set_auto_switch` from anywhere on the event loop (they return at once);
    read `status`; `await stop()` at the end. `port=None` means OBS is not
    configured: everything is a no-op and the state says so.
    """

    def __init__(
        self,
        port: ObsPort | None,
        *,
        clock: Clock,
        on_event: Callable[[ev.ObsEvent], None] | None = None,
        mode: ObsMode = ObsMode.LIVE,
        studio_mode: bool = False,
        retry: RetryPolicy | None = None,
        switch_policy: SwitchPolicy | None = None,
        done_keys: Iterable[str] = (),
        text_interval: float = 1.0,
        heartbeat_interval: float = 5.0,
        override_settle: float = 0.25,
        rng: random.Random | None = None,
    ) -> None:
        self._port = port
        self._clock = clock
        self._on_event = on_event
        self.retry = retry or RetryPolicy()
        self.switch_policy = switch_policy or SwitchPolicy()
        self._studio = studio_mode
        self._done: set[str] = set(done_keys)
        self._reported: set[str] = set()  # keys reported as "would …" (dry run / rehearsal)
        self._text_interval = text_interval
        self._heartbeat_interval = heartbeat_interval
        self.override_settle = override_settle  # seconds a foreign program scene must last
        self._override_check: asyncio.TimerHandle | None = None
        self._rng = rng
        self._status = ObsStatus(
            state=ObsState.NOT_CONFIGURED if port is None else ObsState.DISCONNECTED,
            url=port.url if port is not None else None,
            mode=mode,
        )
        self._desired: _Switch | None = None
        self._recent: deque[str] = deque(maxlen=8)  # scenes we asked for, event not yet seen
        self._actions: dict[str, _Action] = {}
        self._texts = _Texts()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._wake = asyncio.Event()
        self._unsubscribe: Callable[[], None] | None = None
        self._stopping = False

    # ================================================================== public API

    @property
    def status(self) -> ObsStatus:
        return self._status

    @property
    def mode(self) -> ObsMode:
        return self._status.mode

    @property
    def done_keys(self) -> frozenset[str]:
        """Keys of actions that took effect (persist them; pass back as `done_keys`)."""
        return frozenset(self._done)

    async def start(self) -> None:
        """Begin connecting in the background; returns at once. Never raises."""
        if self._port is None or self._supervisor is not None:
            return
        self._stopping = False
        self._unsubscribe = self._port.subscribe(self._on_port_event)
        self._supervisor = asyncio.create_task(self._supervise(), name="obs-supervisor")

    async def stop(self) -> None:
        """Stop everything, close the connection, resolve whatever is still pending."""
        self._stopping = True
        self._cancel_override_check()
        tasks = [t for t in (self._supervisor, self._heartbeat, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)  # collects them without raising their exceptions
        self._supervisor = self._heartbeat = None
        job = self._desired
        if job is not None and job.phase != "done":
            self._finish(job, SwitchOutcome.CANCELLED, "the controller stopped")
        for action in list(self._actions.values()):
            self._finish_action(action, "cancelled", "the controller stopped")
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._port is not None:
            with contextlib.suppress(Exception):
                await self._port.close()
            self._set(state=ObsState.DISCONNECTED, connected_since=None, next_retry_at=None)

    async def finish_actions(self, timeout: float) -> None:
        """Let keyed actions already asked for finish (the last slot's on_end, sent as the
        show ends): wait up to `timeout` real seconds while OBS is connected, including for
        OBS's event that a stopped output has stopped (its reply comes first). Call before
        stop(), which cancels whatever is still pending."""
        port = self._port
        jobs = [a for a in self._actions.values() if not a.future.done()]
        if not jobs or port is None or not port.connected:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.wait([a.future for a in jobs], timeout=timeout)
        done = {a.action for a in jobs if a.future.done() and a.future.result().outcome == "done"}

        def stopping() -> bool:
            recording = ObsAction.STOP_RECORDING in done and self._status.recording
            streaming = ObsAction.STOP_STREAMING in done and self._status.streaming
            return bool(recording or streaming)

        while stopping() and port.connected and loop.time() < deadline:
            await asyncio.sleep(0.02)

    async def check_programme(self, programme: Programme) -> PreflightReport:
        """The preflight check over the live connection (for `timekeeper run`'s dashboard).

        Never raises: when OBS is not connected the report says why.
        """
        url = self._status.url or ""
        port = self._port
        if port is None or not port.connected:
            reason = (
                self._status.last_error or f"OBS is {self._status.state.value.replace('_', ' ')}"
            )
            kind = Unreachable.AUTH if self._status.state is ObsState.AUTH_FAILED else None
            return PreflightReport(url=url, reachable=False, error=reason, error_kind=kind)
        try:
            return await check_names(port, programme)
        except ObsError as exc:
            return PreflightReport(url=url, reachable=False, error=str(exc), error_kind=None)

    async def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until connected (tests, startup); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self._status.connected:
            if deadline is not None and loop.time() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    def switch_scene(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """The live slot wants `scene` from `boundary_at` on: request it now.

        Call it at the boundary (see `timekeeper.runtime.timing.sleep_until`); the
        request leaves within a loop iteration or two. A new call clears a
        manual override and supersedes an unfinished earlier switch. The scene
        is remembered as desired and brought back after a reconnect. With
        automatic switching off, or in a dry run, it is only reported
        ("would switch to …"). `key` names the boundary (e.g. the slot id) for
        the as-run log. The future resolves with the final SwitchRecord
        (confirmed, failed after the SwitchPolicy retries, skipped, superseded,
        overridden or cancelled); nobody has to await it.
        """
        job = self._new_job(scene, key, boundary_at, transition, "boundary")
        self._set(override=False)
        reason = self._skip_reason()
        if reason is not None:
            self._emit(
                ev.SceneSwitchSkipped, scene=scene, key=key, reason=reason, boundary_at=boundary_at
            )
            self._finish(job, SwitchOutcome.SKIPPED, None)
        else:
            self._spawn(self._send(job, check_program=False))
        return job.future

    def _skip_reason(self) -> str | None:
        if self._port is None:
            return "not_configured"
        if self._status.mode is ObsMode.DRY_RUN:
            return "dry_run"
        if not self._status.auto_switch:
            return "auto_switch_off"
        return None

    def resend_live_scene(self) -> asyncio.Future[SwitchRecord] | None:
        """Operator key: send the desired scene again now (clears override and alarm).

        Works with automatic switching off too (an explicit operator order),
        but never in a dry run. Returns None when no scene is desired yet.
        """
        old = self._desired
        if old is None:
            return None
        job = self._new_job(old.scene, old.key, self._clock.now(), old.transition, "operator")
        self._set(override=False)
        if self._port is None or self._status.mode is ObsMode.DRY_RUN:
            reason = "dry_run" if self._port is not None else "not_configured"
            self._emit(
                ev.SceneSwitchSkipped,
                scene=job.scene,
                key=job.key,
                reason=reason,
                boundary_at=job.boundary_at,
            )
            self._finish(job, SwitchOutcome.SKIPPED, None)
        else:
            self._spawn(self._send(job, check_program=True))
        return job.future

    def set_auto_switch(self, enabled: bool) -> None:
        """Operator key: automatic switching on/off.

        Off: boundaries only report what they would switch to, and a pending
        retry is cancelled. On: takes effect at the next boundary (or use
        `resend_live_scene` to switch now).
        """
        if enabled == self._status.auto_switch:
            return
        self._set(auto_switch=enabled)
        job = self._desired
        if not enabled and job is not None and job.phase in ("retry_wait", "offline"):
            self._finish(job, SwitchOutcome.CANCELLED, "automatic switching turned off")
        self._emit(ev.AutoSwitchChanged, enabled=enabled)

    def preview_scene(self, scene: str) -> None:
        """Studio mode: put the next slot's scene on preview ahead of its boundary.

        Call it well ahead (at least a few frames; typically when the previous
        slot goes live). Once OBS's CurrentPreviewSceneChanged confirms it, the
        switch at the boundary is a studio-mode transition from preview;
        without it, the program scene is switched directly (OBS allows that in
        studio mode too). Only when studio mode is on in OBS; reported, not
        sent, in a dry run.
        """
        if not self._status.studio_mode:
            return
        if self._status.mode is ObsMode.DRY_RUN:
            self._emit(ev.ScenePreviewSet, scene=scene, sent=False)
            return
        self._spawn(self._preview(scene))

    def run_action(self, action: ObsAction, key: str) -> asyncio.Future[ActionRecord]:
        """Start/stop streaming or recording — once and only once per `key`.

        A key in `done_keys` is never sent again, across reconnects and (when
        the caller persists the keys of `action_done` events) restarts. Before
        sending, the output's state is read: if it is already as wanted, the
        action counts as done without sending. If the connection drops before
        the reply, it is retried after the reconnect — safely, thanks to that
        check. A refusal is not retried (action_failed). In a dress rehearsal
        or a dry run it is only reported ("would start streaming").
        """
        loop = asyncio.get_running_loop()
        if key in self._done:
            self._emit(ev.ActionSkipped, action=action.value, key=key, reason="already_done")
            return _resolved(loop, ActionRecord(action, key, "already_done"))
        if self._status.mode is not ObsMode.LIVE or self._port is None:
            reason = self._status.mode.value if self._port is not None else "not_configured"
            if key not in self._reported:
                self._reported.add(key)
                self._emit(ev.ActionSkipped, action=action.value, key=key, reason=reason)
            return _resolved(loop, ActionRecord(action, key, "skipped", reason))
        if key in self._actions:
            return self._actions[key].future
        job = _Action(action=action, key=key, future=loop.create_future())
        self._actions[key] = job
        if self._port is not None and self._port.connected:
            self._spawn(self._do_action(job))
        else:
            self._emit(ev.ActionQueued, action=action.value, key=key)
        return job.future

    def set_text(self, source: str, text: str) -> None:
        """Keep text source `source` showing `text`: sent only when it changes, ≤ 1/s per source.

        The latest text wins (intermediate ones inside a second are dropped);
        after a reconnect the current text is sent again (OBS may have
        restarted with an old one). Reported, not sent, in a dry run.
        """
        self._texts.wanted[source] = text
        self._schedule_text(source)

    def reconnect_now(self) -> None:
        """Operator key: skip the backoff wait (or drop and renew a live connection)."""
        self._set(reconnect_attempt=0)
        self._wake.set()
        if self._port is not None and self._port.connected:
            self._spawn(self._drop_and_reconnect("reconnect requested by the operator"))

    # ================================================================== connection

    async def _supervise(self) -> None:
        assert self._port is not None
        port = self._port
        loop = asyncio.get_running_loop()
        attempt = 0
        while not self._stopping:
            self._lost.clear()
            if self._status.state is not ObsState.AUTH_FAILED:
                self._set(state=ObsState.CONNECTING, next_retry_at=None)
            try:
                info = await port.connect()
            except ObsAuthError as exc:
                attempt += 1
                delay = self.retry.delay(attempt, self._rng)
                if self._status.state is not ObsState.AUTH_FAILED or self._status.last_error != str(
                    exc
                ):
                    self._emit(ev.ObsAuthFailed, url=port.url, error=str(exc))
                self._set(state=ObsState.AUTH_FAILED, last_error=str(exc))
            except Exception as exc:  # ObsError, or a bug: either way, retry later
                if not isinstance(exc, ObsError):
                    log.exception("unexpected error connecting to OBS")
                attempt += 1
                delay = self.retry.delay(attempt, self._rng)
                self._set(state=ObsState.DISCONNECTED, last_error=str(exc))
                self._emit(
                    ev.ObsConnectFailed,
                    url=port.url,
                    error=str(exc),
                    attempt=attempt,
                    retry_in=delay,
                )
            else:
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
            self._set(
                reconnect_attempt=attempt,
                next_retry_at=self._clock.now() + timedelta(seconds=delay * self._clock.speed),
            )
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _on_connected(self, info: ObsInfo) -> None:
        """Read OBS's state, then bring it to what the programme wants."""
        assert self._port is not None
        port = self._port
        try:
            scenes = await port.get_scene_list()
            studio = await port.get_studio_mode()
            stream = await port.get_stream_status()
            record = await port.get_record_status()
        except ObsError as exc:
            self._set(last_error=f"reading OBS state: {exc}")
            if not port.connected:
                self._lost.set()
                return
            scenes, studio, stream, record = None, None, None, None
        now = self._clock.now()
        self._set(
            state=ObsState.CONNECTED,
            reconnect_attempt=0,
            next_retry_at=None,
            connected_since=now,
            obs_version=info.obs_version,
            program_scene=scenes.program if scenes else None,
            preview_scene=scenes.preview if scenes else None,
            studio_mode=studio,
            streaming=stream.active if stream else None,
            recording=record.active if record else None,
        )
        self._emit(
            ev.ObsConnected,
            url=port.url,
            obs_version=info.obs_version,
            websocket_version=info.websocket_version,
            program_scene=self._status.program_scene,
        )
        if self._studio and studio is False and self._status.mode is not ObsMode.DRY_RUN:
            try:
                await port.set_studio_mode(True)
                self._set(studio_mode=True)
            except ObsError as exc:
                self._set(last_error=f"could not turn on studio mode: {exc}")
        self._heartbeat = asyncio.create_task(self._beat(), name="obs-heartbeat")
        self._resync()

    def _resync(self) -> None:
        """After (re)connecting: the desired scene (unless overridden), queued actions, texts."""
        job = self._desired
        if (
            job is not None
            and not self._status.override
            and self._status.auto_switch
            and self._status.mode is not ObsMode.DRY_RUN
        ):
            if job.phase in ("offline", "retry_wait", "confirming", "sending"):
                self._cancel_timer(job)
                self._spawn(self._send(job, check_program=True, reason="reconnect"))
            elif self._status.program_scene != job.scene:
                fresh = self._new_job(
                    job.scene, job.key, self._clock.now(), job.transition, "reconnect"
                )
                self._spawn(self._send(fresh, check_program=True))
        for action in list(self._actions.values()):
            if not action.running:
                self._spawn(self._do_action(action))
        for source in list(self._texts.wanted):
            self._texts.sent.pop(source, None)
            self._schedule_text(source)

    async def _beat(self) -> None:
        """Notice a stalled OBS (TCP alive, nothing answering) and keep output states fresh."""
        assert self._port is not None
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            try:
                stream = await self._port.get_stream_status()
                record = await self._port.get_record_status()
            except ObsTimeoutError as exc:
                await self._drop_and_reconnect(f"OBS stopped answering ({exc})")
                return
            except ObsError:
                continue  # a drop is reported by the Disconnected event
            self._set(streaming=stream.active, recording=record.active)

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    async def _drop_and_reconnect(self, reason: str) -> None:
        assert self._port is not None
        with contextlib.suppress(Exception):
            await self._port.close()  # emits Disconnected(by_client=True), which is ignored
        self._connection_lost(reason, None)

    def _connection_lost(self, reason: str, code: int | None) -> None:
        if self._status.state is not ObsState.CONNECTED:
            self._lost.set()
            return
        self._set(state=ObsState.DISCONNECTED, connected_since=None, last_error=reason)
        self._emit(ev.ObsDisconnected, url=self._status.url or "", reason=reason, code=code)
        job = self._desired
        if job is not None and job.phase in ("sending", "confirming", "retry_wait"):
            self._offline(job)
        self._lost.set()

    # ================================================================== OBS events

    def _on_port_event(self, event: PortEvent) -> None:
        try:
            self._handle_port_event(event)
        except Exception:
            log.exception("handling OBS event %r failed", event)

    def _handle_port_event(self, event: PortEvent) -> None:
        match event:
            case ProgramSceneChanged(scene=scene):
                self._on_program_scene(scene)
            case PreviewSceneChanged(scene=scene):
                self._set(preview_scene=scene)
            case StudioModeChanged(enabled=enabled):
                self._set(studio_mode=enabled, preview_scene=None)
                self._emit(ev.StudioModeChanged, enabled=enabled)
            case StreamStateChanged(state=state):
                if state == OUTPUT_STARTED:
                    self._set(streaming=True)
                    self._emit(ev.StreamStarted)
                elif state == OUTPUT_STOPPED:
                    self._set(streaming=False)
                    self._emit(ev.StreamStopped)
            case RecordStateChanged(state=state, path=path):
                if state == OUTPUT_STARTED:
                    self._set(recording=True)
                    self._emit(ev.RecordStarted, path=path)
                elif state == OUTPUT_STOPPED:
                    self._set(recording=False)
                    self._emit(ev.RecordStopped, path=path)
            case ExitStarted():
                self._emit(ev.ObsExiting)
            case Disconnected(code=code, reason=reason, by_client=by_client):
                if not by_client:
                    self._connection_lost(reason, int(code) if code is not None else None)

    def _on_program_scene(self, scene: str) -> None:
        self._set(program_scene=scene)
        job = self._desired
        if job is not None and scene == job.scene:
            with contextlib.suppress(ValueError):
                self._recent.remove(scene)
            self._cancel_override_check()
            if job.phase in ("sending", "confirming", "retry_wait", "offline"):
                self._confirm(job)
            elif self._status.alarm or self._status.override:
                # put back by hand: OBS shows what the programme wants again
                self._set(alarm=None, override=False)
            return
        if scene in self._recent:  # a late confirmation of an earlier request of ours
            self._recent.remove(scene)
            return
        if job is None or self._status.mode is ObsMode.DRY_RUN or not self._status.auto_switch:
            return  # timekeeper is not driving the scenes: hand switches are expected
        # Decide a little later: OBS emits transient program changes (studio mode
        # transitions, studio mode turned off: old scene, then the right one, 2 ms apart).
        self._cancel_override_check()
        self._override_check = asyncio.get_running_loop().call_later(
            self.override_settle, self._check_override
        )

    def _check_override(self) -> None:
        """Someone put another scene on program by hand: stop fighting until the next boundary."""
        self._override_check = None
        job = self._desired
        program = self._status.program_scene
        if job is None or program is None or program == job.scene or self._status.override:
            return
        if self._status.mode is ObsMode.DRY_RUN or not self._status.auto_switch:
            return
        self._set(override=True)
        if job.phase != "done":
            self._finish(job, SwitchOutcome.OVERRIDDEN, f"{program} put on program by hand")
        self._emit(ev.SceneOverride, scene=program, desired=job.scene)

    def _cancel_override_check(self) -> None:
        if self._override_check is not None:
            self._override_check.cancel()
            self._override_check = None

    # ================================================================== switching

    def _new_job(
        self,
        scene: str,
        key: str,
        boundary_at: datetime,
        transition: Transition | None,
        reason: str,
    ) -> _Switch:
        self._cancel_override_check()
        old = self._desired
        if old is not None and old.phase != "done":
            self._finish(old, SwitchOutcome.SUPERSEDED, f"superseded by {scene}")
        job = _Switch(
            scene=scene,
            key=key,
            boundary_at=boundary_at,
            transition=transition,
            future=asyncio.get_running_loop().create_future(),
            reason=reason,
        )
        job.record = SwitchRecord(
            scene=scene,
            key=key,
            reason=reason,
            boundary_at=boundary_at,
            transition=transition.name if transition else None,
        )
        self._desired = job
        self._set(desired_scene=scene, alarm=None, last_switch=job.record)
        return job

    async def _send(self, job: _Switch, *, check_program: bool, reason: str | None = None) -> None:
        """One attempt to put `job.scene` on program. Never raises."""
        if job is not self._desired or job.phase in ("done", "sending"):
            return
        if reason is not None:
            job.reason = reason
        port = self._port
        if port is None:
            return
        if not port.connected:
            self._offline(job)
            return
        if check_program:
            try:
                program = await port.get_current_program_scene()
                self._set(program_scene=program)
            except ObsError:
                program = None
            if job is not self._desired or job.phase == "done":
                return
            if program == job.scene:
                self._confirm(job, already=True)
                return
        elif self._status.program_scene == job.scene and job.attempt == 0:
            # OBS sends no event for a switch to the scene already on program.
            self._confirm(job, already=True)
            return
        job.attempt += 1
        job.phase = "sending"
        job.announced = False
        attempt = job.attempt
        transition = job.transition
        duration_ms = _duration_ms(transition)
        job.requested_at = self._clock.now()
        self._recent.append(job.scene)
        try:
            warnings = await port.switch(
                job.scene,
                transition=transition.name if transition else None,
                duration_ms=duration_ms,
                from_preview=self._from_preview(job.scene),
            )
        except ObsRequestError as exc:
            self._announce(job)
            if job is self._desired and job.attempt == attempt:
                self._failed(
                    job,
                    exc.comment or str(exc),
                    exc.code,
                    retry=exc.code != CODE_RESOURCE_NOT_FOUND,
                )
            return
        except ObsConnectionError:
            self._announce(job)
            if job is self._desired and job.attempt == attempt and job.phase != "done":
                self._offline(job)
            return
        except ObsTimeoutError:
            self._announce(job)  # the confirmation timer decides
            return
        except Exception:
            log.exception("switching to %s failed unexpectedly", job.scene)
            self._failed(job, "internal error (see the log)", None, retry=True)
            return
        finally:
            if job.phase == "sending" and job.attempt == attempt:
                job.phase = "confirming"
                self._arm_confirm_timer(job, attempt)
        self._announce(job)
        for warning in warnings:
            self._emit(
                ev.TransitionFailed,
                scene=job.scene,
                transition=transition.name if transition else "?",
                error=str(warning),
            )

    def _from_preview(self, scene: str) -> bool:
        """Studio mode, and OBS confirmed `scene` on preview: transition it from there.

        Otherwise (no preview_scene() ahead of the boundary, or someone changed
        the preview) switch program directly, which OBS also does in studio
        mode: setting the preview and triggering at once is unreliable in OBS 29.
        """
        status = self._status
        return bool(self._studio and status.studio_mode and status.preview_scene == scene)

    def _arm_confirm_timer(self, job: _Switch, attempt: int) -> None:
        self._cancel_timer(job)
        timeout = self.switch_policy.confirm_timeout + (_duration_ms(job.transition) or 0) / 1000
        job.timer = asyncio.get_running_loop().call_later(
            timeout, self._confirm_timeout, job, attempt
        )

    def _confirm_timeout(self, job: _Switch, attempt: int) -> None:
        job.timer = None
        if job is not self._desired or job.attempt != attempt or job.phase != "confirming":
            return
        if self._override_check is not None:  # a hand switch is being judged: do not fight it
            job.timer = asyncio.get_running_loop().call_later(
                self.override_settle, self._confirm_timeout, job, attempt
            )
            return
        timeout = self.switch_policy.confirm_timeout + (_duration_ms(job.transition) or 0) / 1000
        self._failed(job, f"OBS did not confirm within {timeout:g} s", None, retry=True)

    def _announce(self, job: _Switch) -> None:
        """Record and report that the request went out (after the send, not before: speed)."""
        requested_at = job.requested_at
        if job.announced or requested_at is None:
            return
        job.announced = True
        delay = requested_at - job.boundary_at
        assert job.record is not None
        job.record = replace(
            job.record,
            requested_at=requested_at,
            request_delay=delay,
            attempts=job.attempt,
            reason=job.reason,
        )
        if job is self._desired:
            self._set(last_switch=job.record)
        self._emit(
            ev.SceneSwitchRequested,
            scene=job.scene,
            key=job.key,
            reason=job.reason,
            boundary_at=job.boundary_at,
            requested_at=requested_at,
            request_delay=delay,
            attempt=job.attempt,
            transition=job.transition.name if job.transition else None,
        )

    def _confirm(self, job: _Switch, *, already: bool = False) -> None:
        now = self._clock.now()
        assert job.record is not None
        self._announce(job)  # the event may overtake the reply
        confirm_delay = now - job.boundary_at
        job.record = replace(
            job.record,
            confirmed_at=now,
            confirm_delay=confirm_delay,
            outcome=SwitchOutcome.CONFIRMED,
            attempts=job.attempt,
            error=None,
        )
        self._emit(
            ev.SceneSwitchConfirmed,
            scene=job.scene,
            key=job.key,
            reason=job.reason,
            boundary_at=job.boundary_at,
            request_delay=job.record.request_delay,
            confirm_delay=confirm_delay,
            attempt=job.attempt,
            already=already,
        )
        self._finish(job, SwitchOutcome.CONFIRMED, None)
        self._set(alarm=None)

    def _failed(self, job: _Switch, error: str, code: int | None, *, retry: bool) -> None:
        self._cancel_timer(job)
        will_retry = (
            retry and job.attempt <= self.switch_policy.retries and self._status.auto_switch
        )
        self._emit(
            ev.SceneSwitchFailed,
            scene=job.scene,
            key=job.key,
            error=error,
            code=code,
            attempt=job.attempt,
            will_retry=will_retry,
        )
        assert job.record is not None
        job.record = replace(job.record, error=error, attempts=job.attempt)
        if will_retry:
            job.phase = "retry_wait"
            if job is self._desired:
                self._set(last_switch=job.record)
            job.timer = asyncio.get_running_loop().call_later(
                self.switch_policy.retry_interval, self._retry, job
            )
        else:
            self._finish(job, SwitchOutcome.FAILED, error)
            self._set(alarm=f"switch to {job.scene} failed: {error}")

    def _retry(self, job: _Switch) -> None:
        job.timer = None
        if job is self._desired and job.phase == "retry_wait":
            job.phase = "idle"
            self._spawn(self._send(job, check_program=False, reason="retry"))

    def _offline(self, job: _Switch) -> None:
        """OBS is not connected: report it; `_resync` sends the scene after the reconnect."""
        if job.phase == "offline":
            return
        self._cancel_timer(job)
        job.phase = "offline"
        self._emit(
            ev.SceneSwitchFailed,
            scene=job.scene,
            key=job.key,
            error="OBS is not connected: will switch when it reconnects",
            code=None,
            attempt=job.attempt,
            will_retry=True,
        )

    def _finish(self, job: _Switch, outcome: SwitchOutcome, error: str | None) -> None:
        self._cancel_timer(job)
        job.phase = "done"
        assert job.record is not None
        job.record = replace(job.record, outcome=outcome, error=error, attempts=job.attempt)
        if job is self._desired:
            self._set(last_switch=job.record)
        if not job.future.done():
            job.future.set_result(job.record)

    @staticmethod
    def _cancel_timer(job: _Switch) -> None:
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None

    async def _preview(self, scene: str) -> None:
        assert self._port is not None
        try:
            await self._port.set_current_preview_scene(scene)
        except ObsError as exc:
            self._set(last_error=f"preview {scene}: {exc}")
            return
        self._emit(ev.ScenePreviewSet, scene=scene, sent=True)

    # ================================================================== actions

    async def _do_action(self, job: _Action) -> None:
        """Send one keyed action unless OBS's output is already in the wanted state."""
        port = self._port
        if port is None or job.running or job.future.done() or not port.connected:
            return
        job.running = True
        streaming = job.action in _STREAM
        start = job.action in _STARTS
        what = job.action.value
        try:
            status = await (port.get_stream_status() if streaming else port.get_record_status())
            if status.active == start:
                running = "already streaming" if streaming else "already recording"
                self._action_done(job, running if start else "already stopped")
                return
            self._emit(ev.ActionSent, action=what, key=job.key)
            await _ACTION_CALLS[job.action](port)
            self._action_done(job, None)
        except ObsRequestError as exc:
            if exc.code == (CODE_OUTPUT_RUNNING if start else CODE_OUTPUT_NOT_RUNNING):
                self._action_done(
                    job, "OBS says " + ("already running" if start else "not running")
                )
            else:
                self._emit(
                    ev.ActionFailed,
                    action=what,
                    key=job.key,
                    error=str(exc),
                    code=exc.code,
                    will_retry=False,
                )
                self._finish_action(job, "failed", str(exc))
        except ObsTimeoutError as exc:
            self._emit(
                ev.ActionFailed,
                action=what,
                key=job.key,
                error=str(exc),
                code=None,
                will_retry=True,
            )
            job.retry = asyncio.get_running_loop().call_later(
                self.switch_policy.retry_interval * 2, lambda: self._spawn(self._do_action(job))
            )
        except ObsError as exc:
            self._emit(
                ev.ActionFailed,
                action=what,
                key=job.key,
                error=str(exc),
                code=None,
                will_retry=True,
            )
        except Exception as exc:
            log.exception("action %s failed unexpectedly", what)
            self._finish_action(job, "failed", str(exc))
        finally:
            job.running = False

    def _action_done(self, job: _Action, note: str | None) -> None:
        self._done.add(job.key)
        self._emit(ev.ActionDone, action=job.action.value, key=job.key, note=note)
        self._finish_action(job, "done", note)

    def _finish_action(self, job: _Action, outcome: str, note: str | None) -> None:
        if job.retry is not None:
            job.retry.cancel()
        self._actions.pop(job.key, None)
        if not job.future.done():
            job.future.set_result(ActionRecord(job.action, job.key, outcome, note))

    # ================================================================== texts

    def _schedule_text(self, source: str) -> None:
        t = self._texts
        if source in t.busy or t.wanted.get(source) == t.sent.get(source):
            return
        if self._port is None:
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, t.last.get(source, -1e9) + self._text_interval - loop.time())
        t.busy.add(source)
        loop.call_later(wait, lambda: self._spawn(self._flush_text(source)))

    async def _flush_text(self, source: str) -> None:
        t = self._texts
        port = self._port
        try:
            text = t.wanted.get(source)
            if text is None or text == t.sent.get(source) or port is None or not port.connected:
                return
            t.last[source] = asyncio.get_running_loop().time()
            if self._status.mode is ObsMode.DRY_RUN:
                t.sent[source] = text
                self._emit(ev.TextSet, source=source, text=text, sent=False)
                return
            try:
                await port.set_text(source, text)
            except ObsRequestError as exc:
                t.sent[source] = text  # not retried until the text changes (or a reconnect)
                self._emit(ev.TextFailed, source=source, error=str(exc))
                return
            except ObsError as exc:
                self._emit(ev.TextFailed, source=source, error=str(exc))
                return
            t.sent[source] = text
            self._emit(ev.TextSet, source=source, text=text, sent=True)
        finally:
            t.busy.discard(source)
            if t.wanted.get(source) != t.sent.get(source) and port is not None and port.connected:
                self._schedule_text(source)

    # ================================================================== plumbing

    def _set(self, **changes: Any) -> None:
        self._status = replace(self._status, **changes)

    def _emit(self, cls: type[ev.ObsEvent], **fields: Any) -> None:
        event = cls(at=self._clock.now(), **fields)
        if event.alarm:
            log.warning("%s", event.message)
        else:
            log.info("%s", event.message)
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("on_event callback failed for %s", event.kind)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run in the background; errors are logged and recorded, never raised."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("OBS background task failed", exc_info=exc)
            self._set(last_error=f"internal error: {exc}")


_ACTION_CALLS: dict[ObsAction, Callable[[ObsPort], Coroutine[Any, Any, None]]] = {
    ObsAction.START_STREAMING: lambda p: p.start_stream(),
    ObsAction.STOP_STREAMING: lambda p: p.stop_stream(),
    ObsAction.START_RECORDING: lambda p: p.start_record(),
    ObsAction.STOP_RECORDING: lambda p: p.stop_record(),
}


def _duration_ms(transition: Transition | None) -> int | None:
    if transition is None or transition.duration is None:
        return None
    return round(transition.duration.total_seconds() * 1000)


def _resolved(
    loop: asyncio.AbstractEventLoop, record: ActionRecord
) -> asyncio.Future[ActionRecord]:
    fut: asyncio.Future[ActionRecord] = loop.create_future()
    fut.set_result(record)
    return fut


def build_controller(
    settings: ObsSettings,
    *,
    clock: Clock,
    password: str | None,
    url_override: str | None = None,
    on_event: Callable[[ev.ObsEvent], None] | None = None,
    mode: ObsMode = ObsMode.LIVE,
    done_keys: Iterable[str] = (),
) -> ObsController:
    """The controller for a programme's `obs:` settings (not configured -> a no-op controller)."""
    if not settings.configured and url_override is None:
        return ObsController(None, clock=clock, on_event=on_event, mode=mode)
    from timekeeper.obs.client import ObsClient

    client = ObsClient(url_override or settings.url, password, password_env=settings.password_env)
    return ObsController(
        client,
        clock=clock,
        on_event=on_event,
        mode=mode,
        studio_mode=settings.studio_mode,
        done_keys=done_keys,
    )
