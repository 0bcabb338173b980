"""A run's role on OBS in a standby pair: drive under an epoch, stand by, stand down, take over.

Owns the controller's side of issue 24's fencing. A controller starts as a driver
of epoch 0 (a run outside a standby pair: nothing changes for it), or as the
role and epoch its announced identity says (a standby is built as one, so that it
changes nothing from its first connect). `drive(epoch)` makes it a pair's driver
(epoch >= 1); `stand_by()` makes it a standby, which
connects, watches and announces but never changes OBS (the parts read
`ObsStatus.watch_reason`, as for a dry run). A driver of a pair that hears a
driver of a higher epoch on OBS (equal: the smaller run id) stands down at once
(`announce_rules.AnnounceBook` decides; `_stand_down` here cancels the unfinished
switch, the armed boundary and the pending output actions; the shells send no
request after it) and reports `Fenced`. Every request that changes OBS passes
`clear` (through `fenced_port.FencedPort`): refused unless the run drives, and a
pair's driver first needs a fresh lease (`announce_rules.lease_fresh`: its own
recent announcement echoed, and LISTEN seconds heard since it connected).

`take_over` is the standby's first act as a driver: read OBS's program scene and
outputs, `takeover_rules.reconcile` them with the due slot and the log's done
keys, drive under the new epoch, and send only what the plan asks for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from timekeeper.core.outputs import Intent, Output
from timekeeper.errors import ObsError
from timekeeper.obs.announce import Announcer, Mono, Sleep
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.fenced_port import FencedOff, FencedPort
from timekeeper.obs.machine_messages import StandDown
from timekeeper.obs.outputs import OutputActions
from timekeeper.obs.status import Role, RunIdentity
from timekeeper.obs.switcher import SceneSwitcher
from timekeeper.obs.takeover_rules import DueScene, ObsActual, TakeoverPlan, reconcile
from timekeeper.obs.texts import TextSources

__all__ = ["DueScene", "Fencing", "ObsActual", "TakeoverPlan", "reconcile"]

# what a takeover reconciles OBS with: the due scene, the output intents, the done keys
TakeoverInputs = tuple[DueScene | None, Mapping[Output, Intent], Collection[str]]
LEASE_WAIT = 1.0  # real seconds a stale driver waits for its echo before it sends anyway


class Fencing:
    """Drive, stand by, stand down; the announcer (if the run announces) lives here."""

    def __init__(
        self,
        ctx: ObsContext,
        identity: RunIdentity | None,
        *,
        switcher: SceneSwitcher,
        outputs: OutputActions,
        texts: TextSources,
        interval: float | None = None,
        sleep: Sleep = asyncio.sleep,
        mono: Mono = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self._switcher = switcher
        self._outputs = outputs
        self._texts = texts
        if identity is not None and identity.role is not Role.WATCH:
            ctx.status = replace(ctx.status, role=identity.role, epoch=identity.epoch)
        if ctx.port is not None:  # the parts' requests that change OBS pass `clear` first
            ctx.port = FencedPort(ctx.port, self.clear)
        self.announcer = (
            Announcer(
                ctx,
                identity,
                interval=interval,
                sleep=sleep,
                mono=mono,
                on_stand_down=self._stand_down,
            )
            if identity is not None
            else None
        )

    @property
    def role(self) -> Role:
        return self._ctx.status.role

    @property
    def epoch(self) -> int:
        return self._ctx.status.epoch

    def drive(self, epoch: int) -> None:
        """Drive OBS under `epoch` (>= 1) from now; announced at once (a driver of a lower
        epoch on this OBS stands down when it hears it). The texts a standby only noted
        are sent. After a takeover, use `take_over` instead: it reconciles first."""
        if epoch < 1:
            raise ValueError(f"a standby pair's epoch is >= 1, not {epoch}")
        self._become(Role.DRIVER, epoch)
        self._texts.resync()

    def stand_by(self, epoch: int = 0) -> None:
        """Watch and announce, never change OBS (like a dry run); `epoch`: the driver's, as
        known. Whatever was unfinished is cancelled."""
        self._become(Role.STANDBY, epoch)
        self._halt("standing by")

    async def clear(self, request: str) -> None:
        """Before a request that changes OBS (see `fenced_port`): a pair's driver whose lease
        is stale (a freeze) first reads what OBS said meanwhile, up to LEASE_WAIT seconds;
        a standby, or a driver fenced meanwhile, is refused (FencedOff)."""
        announcer = self.announcer
        if (
            self.role is Role.DRIVER
            and announcer is not None
            and not await announcer.lease(LEASE_WAIT)
        ):
            log.warning("OBS did not echo this run's announcement: sending %s anyway", request)
        if self.role is not Role.DRIVER:
            raise FencedOff(request, self.role.value)

    def quiet_for(self) -> float | None:
        """Real seconds the other driver has been quiet on this OBS (None: not connected, or
        the run does not announce): see `announce_rules.driver_quiet_for`."""
        return self.announcer.quiet_for() if self.announcer is not None else None

    async def read_obs(self) -> ObsActual:
        """OBS's program scene and outputs, read now (None for each read that failed)."""
        port = self._ctx.port
        if port is None or not port.connected:
            return ObsActual(None, None, None)
        program = streaming = recording = None
        try:
            program = await port.get_current_program_scene()
            streaming = (await port.get_stream_status()).active
            recording = (await port.get_record_status()).active
        except ObsError as exc:
            log.warning("reading OBS at takeover failed: %s", exc)
        return ObsActual(program, streaming, recording)

    async def take_over(
        self,
        epoch: int,
        due: DueScene | None,
        intents: Mapping[Output, Intent],
        done_keys: Collection[str],
    ) -> TakeoverPlan:
        """Read OBS, reconcile (see `takeover_rules`), drive under `epoch`, then send only
        what the plan asks: stops, the switch, starts (each once, by its key). Returns the
        plan; the outcomes come as the usual events (switch confirmed, action done)."""
        _, plan = await self.take_over_as_of(epoch, lambda: (due, intents, done_keys))
        return plan

    async def take_over_as_of(
        self, epoch: int, inputs: Callable[[], TakeoverInputs]
    ) -> tuple[ObsActual, TakeoverPlan]:
        """`take_over`, with what is due asked of `inputs()` once OBS has been read, in the
        same step as this run begins to drive: a boundary that comes while OBS is read (its
        switch only noted, this run not yet driving) is the due one then, not lost."""
        actual = await self.read_obs()
        due, intents, done_keys = inputs()
        plan = reconcile(actual, due, intents, done_keys)
        self.drive(epoch)
        for why in plan.kept:
            log.info("takeover: %s", why)
        for step in plan.stops:
            self._outputs.run_action(step.action, step.key)
        cue = plan.switch or plan.adopt
        if cue is not None and (plan.switch or self._ctx.status.program_scene == cue.scene):
            # an adopted scene is confirmed at once, unsent: the machine sees it on program
            self._switcher.switch_scene(
                cue.scene, boundary_at=cue.boundary_at, key=cue.key, transition=cue.transition
            )
        for step in plan.starts:
            self._outputs.run_action(step.action, step.key)
        return actual, plan

    def start(self) -> None:
        """The periodic announcement in the background (none if the run does not announce)."""
        if self.announcer is not None:
            self.announcer.start()

    def connected(self) -> None:
        """After each connect: announce at once (the silence of others counts from now)."""
        if self.announcer is not None:
            self.announcer.announce_now()

    def connection_lost(self) -> None:
        if self.announcer is not None:
            self.announcer.connection_lost()

    def on_custom_event(self, data: Mapping[str, Any]) -> None:
        """OBS's CustomEvent: maybe another timekeeper's announcement."""
        if self.announcer is not None:
            self.announcer.on_custom_event(data)

    def _become(self, role: Role, epoch: int) -> None:
        if self.announcer is not None:
            self.announcer.become(role, epoch)
        else:
            status = self._ctx.status
            self._ctx.status = replace(status, role=role, epoch=epoch, fenced_by=None)

    def _stand_down(self, command: StandDown) -> None:
        self._halt(f"epoch {command.epoch} drives this OBS (run {command.by})")

    def _halt(self, why: str) -> None:
        self._switcher.stand_down(why)
        self._outputs.cancel_all(why)
