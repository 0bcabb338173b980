"""The dashboard front end of a run: the Textual app first, then the services beside it.

The only module of `timekeeper.app` that loads Textual (an import contract
keeps it so): a headless run never imports it. If the dashboard itself dies, the
run exits non-zero after the as-run log is closed, so a supervisor (or the
operator) can start it again and the show resumes.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from timekeeper.app.clockcheck import ClockCheck
from timekeeper.app.run import Runtime
from timekeeper.show.changes import ChangeCheck
from timekeeper.show.revisions import accept, accept_proposal, undo_proposal
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.obspanel import ObsView, describe_obs, with_broker, with_pair
from timekeeper.ui.undo import ProposalDesk

if TYPE_CHECKING:
    from timekeeper.app.pair import PairService  # (aiomqtt: only a room's run loads it)

log = logging.getLogger(__name__)
DASHBOARD_CRASHED = 1  # exit status when the dashboard died (the run can be resumed)


def _panel(runtime: Runtime) -> Callable[[], ObsView | None]:
    """What the OBS panel shows each frame (with the clock check's last result and the broker
    line); None reads "OBS: not configured". The services are found once, not every frame."""
    check = next((s for s in runtime.services if isinstance(s, ClockCheck)), None)
    broker_line: Callable[[], tuple[str, bool]] | None = None
    pair = runtime.pair
    if pair is not None:  # the MQTT client only for a room (its broker is the pair's)
        from timekeeper.rooms.service import describe_link  # deferred: aiomqtt

        broker_line = lambda: describe_link(pair.broker_state())  # noqa: E731

    def view() -> ObsView | None:
        status = runtime.read_obs_status()
        shown = None
        if status is not None:
            report = check.report if check is not None else None
            shown = describe_obs(status, runtime.programme.tz, report)
        if pair is not None:
            shown = with_pair(shown, pair.line())
        if broker_line is not None:
            return with_broker(shown, *broker_line())
        return shown

    return view


class _PairKey:
    """The o key: an armed standby takes over, a driver hands over (both asked first)."""

    def __init__(self, pair: PairService) -> None:
        self.pair = pair

    def question(self) -> tuple[str, str]:
        if self.pair.driving:
            return "Hand the show over to the standby?", self.pair.line()
        return "Take the show over from the driver?", self.pair.line()

    def press(self) -> str:
        if self.pair.driving:
            return self.pair.hand_over("keyboard")
        return self.pair.take_over("keyboard")

    def on_quit(self) -> str | None:
        if not self.pair.driving:
            return "This run stands by: the show goes on; the driver is left without a standby."
        standby = self.pair.observer.presence
        if standby is None:
            return None
        return (
            f"The standby {standby.run_id} on {standby.host} takes the show over "
            f"{self.pair.parts.delay:g} s after this run stops. To hand it over with no gap, "
            "answer No and press o."
        )


def _keyboard_obs(runtime: Runtime) -> Callable[[str], str]:
    """The dashboard's OBS keys, logged with their source like every other action."""
    return lambda name: runtime.obs_act(name, "keyboard")


def keyboard_desk(runtime: Runtime) -> ProposalDesk:
    """The dashboard's l and u for a running-late proposal: logged like every revision."""
    return ProposalDesk(
        lambda by: accept_proposal(runtime, by), lambda p, by: undo_proposal(runtime, p, by)
    )


async def run_dashboard(runtime: Runtime) -> int:
    """The dashboard first (the operator sees the show at once), then the services beside it."""
    services_up = asyncio.Event()

    async def scheduler() -> None:
        await services_up.wait()  # the services see the show's first tick
        await runtime.run_show()  # a quit stops it for sure (Runtime.run_show)

    watch = runtime.watch

    def accept_change(check: ChangeCheck) -> None:
        assert check.programme is not None
        accept(runtime, check.programme, check.data, "operator")

    app = TimekeeperApp(
        runtime.session,
        obs_status=_panel(runtime),
        obs_command=None if runtime.obs is None else _keyboard_obs(runtime),
        runner=scheduler,
        reread=None if watch is None else watch.reread,
        accept_change=accept_change,
        proposals=keyboard_desk(runtime),
        pair_key=_PairKey(runtime.pair) if runtime.pair is not None else None,
    )
    runtime.notices.subscribe(app.notice)  # the log pane, its alarms, and edits offered
    runtime.announce_log()
    shown = asyncio.create_task(app.first_frame.wait())
    running = asyncio.create_task(app.run_async())
    await asyncio.wait({shown, running}, return_when=asyncio.FIRST_COMPLETED)
    shown.cancel()
    async with runtime.services_running():
        services_up.set()
        await running
    if app.return_code:  # the dashboard itself died: say so, and let a supervisor restart it
        log.error("the dashboard stopped on an error", exc_info=app._exception)
        where = f" (traceback in {runtime.diagnostics})" if runtime.diagnostics else ""
        print(
            f"timekeeper: the dashboard stopped on an internal error{where}; the as-run log "
            "is closed: run the same command again to resume the show",
            file=sys.stderr,
        )
        return DASHBOARD_CRASHED
    return 0
