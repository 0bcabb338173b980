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

This module only composes the parts (one job each) over the shared
`context.ObsContext`: `connection` (connect, backoff, heartbeat, re-sync),
`switcher` (the asyncio shell of the sans-I/O `switching` machine), `outputs`,
`texts`, `preview`, `scenewatch`, `announce`, `takeover` (`fencing`). It routes OBS's events to them
and keeps the public API; the data it reports lives in `status`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from timekeeper.core.clock import Clock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsAction, Programme, Transition
from timekeeper.errors import ObsError
from timekeeper.obs import events as ev
from timekeeper.obs import port as p
from timekeeper.obs.announce import Mono, Sleep
from timekeeper.obs.connection import STABLE_CONNECTION, ConnectionSupervisor
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.names import PreflightReport, Unreachable, check_names
from timekeeper.obs.outputs import OUTPUT_STARTED, OUTPUT_STOPPED, OutputActions, RehearsalGuard
from timekeeper.obs.port import ObsPort, PortEvent
from timekeeper.obs.preview import StudioPreview
from timekeeper.obs.probe import LoopTimer, Probe, ProbePolicy, Timer, probe_policy_for, tcp_probe
from timekeeper.obs.release import release_at
from timekeeper.obs.scenewatch import SceneWatch
from timekeeper.obs.status import (
    ActionRecord,
    ObsState,
    ObsStatus,
    RetryPolicy,
    RunIdentity,
    SwitchOutcome,
    SwitchPolicy,
    SwitchRecord,
)
from timekeeper.obs.switcher import ArmedCue, Release, SceneCue, SceneSwitcher
from timekeeper.obs.takeover import Fencing
from timekeeper.obs.texts import TextSources

__all__ = [
    "OUTPUT_STARTED",
    "OUTPUT_STOPPED",
    "STABLE_CONNECTION",
    "ActionRecord",
    "ArmedCue",
    "ObsController",
    "ObsState",
    "ObsStatus",
    "RetryPolicy",
    "RunIdentity",
    "RunMode",
    "SwitchOutcome",
    "SwitchPolicy",
    "SwitchRecord",
]


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
        mode: RunMode = RunMode.LIVE,
        studio_mode: bool = False,
        retry: RetryPolicy | None = None,
        switch_policy: SwitchPolicy | None = None,
        done_keys: Iterable[str] = (),
        text_interval: float = 1.0,
        heartbeat_interval: float = 5.0,
        override_settle: float = 0.25,
        rng: random.Random | None = None,
        allow_live_outputs: bool = False,
        probe: Probe | None = None,
        probe_policy: ProbePolicy | None = None,
        timer: Timer | None = None,
        scene_uses: Mapping[str, Sequence[str]] | None = None,
        announce: RunIdentity | None = None,
        announce_interval: float | None = None,  # None: by the role (announce_rules)
        announce_sleep: Sleep = asyncio.sleep,
        announce_mono: Mono = time.monotonic,
        release: Release = release_at,
    ) -> None:
        """`probe` (default: a TCP connect to the port's URL) and `timer` (default: the event
        loop's) pace the reconnection; see `probe`. `scene_uses` (scene -> the ids of the
        slots naming it) are the scenes watched for renames and removals. `release` waits for
        an armed switch's instant (tests inject one they fire)."""
        self._port = port
        status = ObsStatus(
            state=ObsState.NOT_CONFIGURED if port is None else ObsState.DISCONNECTED,
            url=port.url if port is not None else None,
            mode=mode,
        )
        self._ctx = ctx = ObsContext(port, clock=clock, status=status, on_event=on_event)
        policy = switch_policy or SwitchPolicy()
        self._preview = StudioPreview(ctx, studio_mode=studio_mode)
        self._guard = RehearsalGuard(
            ctx,
            enabled=mode is RunMode.DRESS and not allow_live_outputs,
            stop_switching=lambda: self._switcher.set_auto_switch(False),
        )
        self._switcher = SceneSwitcher(
            ctx,
            policy=policy,
            override_settle=override_settle,
            from_preview=self._preview.from_preview,
            after_boundary=self._guard.keep_alarm,
            release=release,
        )
        self._outputs = OutputActions(ctx, policy=policy, done_keys=done_keys)
        self._texts = TextSources(ctx, interval=text_interval)
        self._scenes = SceneWatch(scene_uses or {})
        self._connection = ConnectionSupervisor(
            ctx,
            retry=retry or RetryPolicy(),
            heartbeat_interval=heartbeat_interval,
            rng=rng,
            on_studio=self._preview.on_connected,
            on_connected=self._resync,
            on_lost=self._switcher.connection_lost,
            probe=probe if probe is not None or port is None else tcp_probe(port.url),
            probe_policy=probe_policy or probe_policy_for(mode),
            timer=timer or LoopTimer(),
        )
        self.fencing = Fencing(
            ctx, announce, switcher=self._switcher, outputs=self._outputs, texts=self._texts,
            interval=announce_interval, sleep=announce_sleep, mono=announce_mono,
        )  # fmt: skip
        self._unsubscribe: Callable[[], None] | None = None
        self._driver: asyncio.Task[None] | None = None

    # ================================================================== public API

    @property
    def status(self) -> ObsStatus:
        return self._ctx.status

    @property
    def mode(self) -> RunMode:
        return self._ctx.status.mode

    @property
    def done_keys(self) -> frozenset[str]:
        """Keys of actions that took effect (persist them; pass back as `done_keys`)."""
        return self._outputs.done_keys

    @property
    def override_settle(self) -> float:
        """Seconds a foreign program scene must last to count as a hand switch."""
        return self._switcher.override_settle

    @property
    def armed(self) -> ArmedCue | None:
        """The boundary switch armed and waiting for its instant (`arm_switch`), if any."""
        return self._switcher.armed

    async def start(self) -> None:
        """Begin connecting in the background; returns at once. Never raises."""
        if self._port is None or self._driver is not None:
            return
        self._ctx.stopping = False
        self._unsubscribe = self._port.subscribe(self._on_port_event)
        self._driver = asyncio.create_task(self._drive(), name="obs-driver")  # resumes in _drive

    async def _drive(self) -> None:
        """The one TaskGroup: connection, announcements, all background work; stop() ends it."""
        try:
            async with asyncio.TaskGroup() as group:
                self._ctx.group = group
                self._connection.start()
                self.fencing.start()
        finally:
            self._ctx.group = None

    async def stop(self) -> None:
        """Stop everything, close the connection, resolve whatever is still pending."""
        self._ctx.stopping = True
        self._switcher.cancel_override_check()
        driver, self._driver = self._driver, None
        tasks = [t for t in (driver, *self._ctx.tasks) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)  # collects them without raising their exceptions
        self._switcher.stop()
        self._outputs.cancel_all("the controller stopped")
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._port is not None:
            with contextlib.suppress(Exception):
                await self._port.close()
            self._ctx.status = replace(
                self._ctx.status,
                state=ObsState.DISCONNECTED,
                connected_since=None,
                next_retry_at=None,
            )

    async def finish_actions(self, timeout: float) -> None:
        """Let keyed actions already asked for finish (the last slot's on_end, sent as the
        show ends): wait up to `timeout` real seconds while OBS is connected, including for
        OBS's event that a stopped output has stopped (its reply comes first). Call before
        stop(), which cancels whatever is still pending."""
        await self._outputs.finish(timeout)

    async def check_programme(self, programme: Programme) -> PreflightReport:
        """The preflight check over the live connection (for `timekeeper run`'s dashboard).

        Never raises: when OBS is not connected the report says why.
        """
        status = self._ctx.status
        url = status.url or ""
        port = self._port
        if port is None or not port.connected:
            reason = status.last_error or f"OBS is {status.state.value.replace('_', ' ')}"
            kind = Unreachable.AUTH if status.state is ObsState.AUTH_FAILED else None
            return PreflightReport(url=url, reachable=False, error=reason, error_kind=kind)
        try:
            return await check_names(port, programme)
        except ObsError as exc:
            return PreflightReport(url=url, reachable=False, error=str(exc), error_kind=None)

    async def wait_connected(self, timeout: float | None = None) -> bool:
        """Wait until connected (tests, startup); False on timeout."""
        return await self._connection.wait_connected(timeout)

    def switch_scene(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """The live slot wants `scene` from `boundary_at` on: request it now (at the boundary;
        the request leaves within a loop iteration). A new call clears a manual override and
        supersedes an unfinished switch; the scene is brought back after a reconnect. Switching
        off or a dry run only reports it. `key` names the boundary for the as-run log. The
        future resolves with the final SwitchRecord; nobody has to await it."""
        return self._switcher.switch_scene(
            scene, boundary_at=boundary_at, key=key, transition=transition
        )

    def arm_switch(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """`switch_scene` for a boundary still ahead (call it tens of ms early or more): held,
        then sent at `boundary_at` on the dot even on a busy machine (see `release`). A
        later `arm_switch` supersedes one still waiting; `disarm_switch`, `stop()` and a lost
        connection cancel it. The boundary's own `switch_scene` (same `key`) then switches
        nothing more: it sends the armed switch if it is late, else only reports it."""
        return self._switcher.arm_switch(
            scene, boundary_at=boundary_at, key=key, transition=transition
        )

    def disarm_switch(self, why: str) -> None:
        """The armed boundary no longer holds (moved on by hand, held, ended): never send it."""
        self._switcher.disarm(why)

    def resend_live_scene(
        self, instead: SceneCue | None = None
    ) -> asyncio.Future[SwitchRecord] | None:
        """Operator key: send the desired scene (or `instead`: a revised live slot's) again now,
        clearing override and alarm. Works with automatic switching off too (an explicit
        operator order), never in a dry run. None when no scene is desired yet."""
        return self._switcher.resend_live_scene(instead)

    def learn_scene_uses(self, uses: Mapping[str, Sequence[str]]) -> None:
        """A revised programme: the scenes watched for renames and removals from now."""
        self._ctx.apply(self._scenes.learn(self._ctx.moment(), uses))

    def set_auto_switch(self, enabled: bool) -> None:
        """Operator key: automatic switching on/off.

        Off: boundaries only report what they would switch to, and a pending
        retry is cancelled. On: takes effect at the next boundary (or use
        `resend_live_scene` to switch now).
        """
        self._switcher.set_auto_switch(enabled)

    def preview_scene(self, scene: str) -> None:
        """Studio mode: put the next slot's scene on preview well ahead of its boundary; once
        OBS confirms it, the switch transitions from preview (else program is switched
        directly). Only when studio mode is on; reported, not sent, in a dry run."""
        self._preview.preview_scene(scene)

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
        return self._outputs.run_action(action, key)

    def set_text(self, source: str, text: str) -> None:
        """Keep text source `source` showing `text`: sent only when it changes, ≤ 1/s per source.

        The latest text wins (intermediate ones inside a second are dropped);
        after a reconnect the current text is sent again (OBS may have
        restarted with an old one). Reported, not sent, in a dry run.
        """
        self._texts.set_text(source, text)

    def reconnect_now(self) -> None:
        """Operator key: skip the backoff wait (or drop and renew a live connection)."""
        self._connection.reconnect_now()

    # ================================================================== wiring

    def _resync(self) -> None:
        """After (re)connecting: the desired scene (unless overridden), queued actions, texts
        (a dress rehearsal that finds OBS streaming or recording stops switching first)."""
        self._guard.check()
        self._ctx.apply(self._scenes.connected(self._ctx.moment()))
        self._switcher.resync()
        self._outputs.resync()
        self._texts.resync()
        self.fencing.connected()

    def _on_port_event(self, event: PortEvent) -> None:
        try:
            self._handle_port_event(event)
        except Exception:
            log.exception("handling OBS event %r failed", event)

    def _handle_port_event(self, event: PortEvent) -> None:
        match event:
            case p.ProgramSceneChanged(scene=scene):
                self._switcher.on_program_scene(scene)
            case p.PreviewSceneChanged(scene=scene):
                self._preview.on_preview_changed(scene)
            case p.StudioModeChanged(enabled=enabled):
                self._preview.on_studio_mode_changed(enabled)
            case p.StreamStateChanged(state=state):
                self._outputs.on_stream_state(state)
                self._guard.check()
            case p.RecordStateChanged(state=state, path=path):
                self._outputs.on_record_state(state, path)
                self._guard.check()
            case p.SceneCreated() | p.SceneRemoved() | p.SceneRenamed() | p.SceneListChanged():
                self._ctx.apply(self._scenes.on_event(self._ctx.moment(), event))
            case p.ExitStarted():
                self._ctx.emit(ev.ObsExiting(at=self._ctx.now()))
            case p.CustomEvent(data=data):
                self.fencing.on_custom_event(data)
            case p.Disconnected(code=code, reason=reason, by_client=by_client):
                self.fencing.connection_lost()
                if not by_client:
                    self._connection.connection_lost(
                        reason, int(code) if code is not None else None
                    )
