"""The OBS service of a run: controller + director, its records, the panel's status and keys.

Built synchronously with the run (so the director sees the show's first tick),
started after the first frame; the run holds it as its `ObsHandle` (`status()`,
`command()`). OBS events go three ways: the as-run log and the front ends (both
through `on_record`: `app.obs_records`), and the status the OBS panel renders.

Its stop is bounded whatever OBS does: when the operator quits, OBS gets
`QUIT_STOP_WITHIN` seconds to confirm what was asked and close; when the show has
ended, long enough to confirm the last slot's outputs (the director's grace).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from datetime import datetime

from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import Programme
from timekeeper.obs import events as obs_events
from timekeeper.obs.announce import this_run
from timekeeper.obs.controller import ObsController, ObsState, ObsStatus
from timekeeper.obs.factory import build_controller
from timekeeper.obs.names import scene_uses
from timekeeper.obs.status import RunIdentity
from timekeeper.show.director import ACTION_GRACE, ObsDirector, obs_record
from timekeeper.show.session import ShowSession
from timekeeper.tasks import run_within, stop_task

PREFLIGHT_WAIT = 5.0  # real seconds to wait for a first connection before checking names

Record = dict[str, object]
SETTLED = frozenset({ObsState.CONNECTED, ObsState.AUTH_FAILED})
QUIT_STOP_WITHIN = 1.0  # seconds OBS gets to finish and close when the operator quits
CLOSE_WITHIN = 0.2  # seconds to close the connection after that ran out


def identity_of(session: ShowSession) -> RunIdentity:
    """This run as OBS hears it, outside a standby pair (`replace` it for a pair's role)."""
    return this_run(session.programme.event.title, session.run_mode.obs_word)


def password_from_env(programme: Programme) -> str | None:
    """The OBS password, from the environment variable the programme names (never the file)."""
    name = programme.obs.password_env
    return os.environ.get(name) if name else None


class ObsService:
    """Runs the OBS controller and director beside the show."""

    name = "obs"

    def __init__(
        self,
        session: ShowSession,
        *,
        url_override: str | None,
        done_keys: Iterable[str],
        on_record: Callable[[Record], None],
        allow_live_outputs: bool = False,
        announce: RunIdentity | None = None,
    ) -> None:
        """`allow_live_outputs`: the operator's --allow-live-outputs (a dress rehearsal then
        switches scenes even while OBS streams or records). `announce`: who this run is on
        OBS (a standby pair's role and epoch; default: a run outside a pair)."""
        self.session = session
        self._on_record = on_record
        self.controller: ObsController = build_controller(
            session.programme.obs,
            clock=session.clock,
            password=password_from_env(session.programme),
            url_override=url_override,
            on_event=self._on_event,
            mode=session.run_mode,
            done_keys=done_keys,
            allow_live_outputs=allow_live_outputs,
            scene_uses=scene_uses(session.programme),
            announce=announce or identity_of(session),
        )
        self.director = ObsDirector(session, self.controller, on_record=on_record)
        self._preflight: asyncio.Task[None] | None = None

    @property
    def configured(self) -> bool:
        return self.controller.status.state is not ObsState.NOT_CONFIGURED

    async def start(self, runtime: object = None) -> None:
        await self.director.start()
        if self.configured:
            self._preflight = asyncio.create_task(self._check(), name="obs-preflight")
            self.session.subscribe(self._on_show_events)

    def _on_show_events(self, events: list[ShowEvent]) -> None:
        """A revised programme may name new scenes: the scene watch follows them from now,
        and the preflight checks them again."""
        if any(e.kind == "revised" for e in events):
            self.controller.learn_scene_uses(scene_uses(self.session.programme))
            if self._preflight is not None and not self._preflight.done():
                self._preflight.cancel()
            self._preflight = asyncio.create_task(self._check(), name="obs-preflight")

    async def stop(self) -> None:
        """Finish and close, bounded (see the module's docstring)."""
        self.session.unsubscribe(self._on_show_events)
        await stop_task(self._preflight, CLOSE_WITHIN, "the OBS preflight")
        within = ACTION_GRACE + 0.5 if self.session.ended else QUIT_STOP_WITHIN
        if not await run_within(self.director.stop(), within, "stopping OBS"):
            await run_within(self.controller.stop(), CLOSE_WITHIN, "closing the OBS connection")

    def command(self, name: str) -> str:
        """An operator key: "resend" the live scene or toggle "auto" switching; says what it did."""
        if not self.configured:
            return "OBS is not configured"
        if name == "resend":
            cue, desired = self.director.live_scene("revised"), self.controller.status.desired_scene
            if cue is not None and desired is not None and cue[0] != desired:
                self.controller.resend_live_scene(instead=cue)  # a revision changed it
                return f"switching to the live slot's scene {cue[0]}"
            resent = self.controller.resend_live_scene() is not None
            if resent or self.director.sync_live_scene():  # nothing asked yet (a resumed run)
                return "re-sending the live scene"
            return "no live slot with a scene to re-send"
        if name == "auto":
            enabled = not self.controller.status.auto_switch
            self.controller.set_auto_switch(enabled)
            return "automatic switching ON" if enabled else "automatic switching OFF"
        return f"unknown OBS command {name}"

    def _on_event(self, event: obs_events.ObsEvent) -> None:
        self._on_record(obs_record(event))

    async def _check(self) -> None:
        """Preflight over the live connection: every scene and source the programme names."""
        loop = asyncio.get_running_loop()
        until = loop.time() + PREFLIGHT_WAIT
        while loop.time() < until and self.controller.status.state not in SETTLED:
            await asyncio.sleep(0.05)  # connected, or refused for good (a wrong password)
        report = await self.controller.check_programme(self.session.programme)
        now: datetime = self.session.clock.now()
        missing = [c.describe() for c in report.missing]
        self._on_record(
            {
                "event": "obs_preflight",
                "at": now.isoformat(),
                "ok": report.ok,
                "reachable": report.reachable,
                "missing": missing,
                "error": report.error,
                "message": _preflight_message(report.reachable, report.error, missing),
            }
        )

    def status(self) -> ObsStatus:
        """The controller's status (the OBS panel, the status API): `show.handle.ObsHandle`."""
        return self.controller.status


def _preflight_message(reachable: bool, error: str | None, missing: list[str]) -> str:
    if not reachable:
        return f"could not check the programme's scenes: {error}"
    if missing:
        return "MISSING in OBS: " + "; ".join(missing)
    return "every scene, transition and text source the programme names exists"
