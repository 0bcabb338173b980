"""ShowSession: the one owner of the show state while timekeeper runs.

It reads the injected clock, applies automatic transitions at their exact
instants (a scheduler task sleeps until the engine's next instant instead of
polling), applies operator actions, and publishes every ShowEvent to its
subscribers: the dashboard's event log, the OBS director, the as-run log, the
speaker server, the headless JSON printer. Screens never touch the state; they
render `status()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from timekeeper.core.clock import Clock
from timekeeper.core.diff import ProgrammeDiff, running_diff
from timekeeper.core.engine import (
    Action,
    Mode,
    ShowEvent,
    ShowState,
    advance,
    apply,
    follow_plan,
    new_show,
    next_instant,
    planned_move,
)
from timekeeper.core.modes import RunMode, SpeakerMessage
from timekeeper.core.programme import Programme
from timekeeper.core.proposal import Proposal, moved, propose
from timekeeper.core.revise import revise
from timekeeper.core.status import Status, evaluate
from timekeeper.core.transitions import next_automatic
from timekeeper.errors import TransitionError
from timekeeper.show.timing import sleep_until

log = logging.getLogger(__name__)
Listener = Callable[[list[ShowEvent]], None]
FailureHook = Callable[[str, BaseException], None]
RETRY_AFTER_FAILURE = 0.5  # real seconds before the scheduler tries again after an error
IDLE_WAKE = 1.0  # real seconds between wake-ups when nothing is scheduled
PRECISE_WINDOW = 0.05  # real seconds before a boundary when the scheduler stops napping
LOOK_AHEAD = 8  # automatic transitions (auto turns, gaps) looked through for the next boundary


@dataclass(frozen=True)
class Boundary:
    """A slot start the show will make by itself at `at`: the state and events it will bring."""

    at: datetime
    state: ShowState
    events: list[ShowEvent]


class NoProposal(TransitionError):
    """There is no running-late proposal to accept or dismiss (the message says why)."""


class ReadOnly(TransitionError):
    """The show is followed, not driven, here (a standby): nothing may change it."""


class ShowSession:
    """Show state + clock + subscribers; every change goes through here."""

    def __init__(
        self,
        programme: Programme,
        clock: Clock,
        run_mode: RunMode = RunMode.DRY,
        state: ShowState | None = None,
        autopilot: bool = False,
        catch_up: bool | None = None,
        on_failure: FailureHook | None = None,
    ) -> None:
        """`state`: a resumed show (default: a new one). `autopilot`: nobody is at the keys,
        so manual slots and turns move on at their deadlines. `catch_up` (default: for a new
        show) makes the first tick do the same for what was planned before now: a run started
        at 17:35 finds the manual Q&A ended and the reception live. `on_failure`: told of
        every contained internal error (`failed`)."""
        self.programme = programme
        self.clock = clock
        self.run_mode = run_mode
        self.autopilot = autopilot
        if catch_up is None:
            catch_up = state is None
        self._catch_up: datetime | None = clock.now() if catch_up else None
        self.state = state if state is not None else new_show(programme, clock.now())
        self.message: SpeakerMessage | None = None
        # a standby follows the driver's log: why nothing here may change the show (None: it may)
        self.read_only: str | None = None
        # a standby: the show ends when the driver's log says so, not by this clock alone
        self.following = False
        self._listeners: list[Listener] = []
        self._wake: asyncio.Event | None = None
        self.on_failure = on_failure
        self.proposal: Proposal | None = None  # running late: the re-plan on offer, if any
        self._dismissed: Proposal | None = None  # the last one dismissed, while it stands

    @property
    def rehearsal(self) -> bool:
        """True unless this is the live show on the real clock."""
        return self.run_mode is not RunMode.LIVE or self.clock.simulated

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def status(self) -> Status:
        """The show as it stands now (computed from the clock: it cannot drift)."""
        return evaluate(self.state, self.clock.now())

    def due(self, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
        """What a tick at `now` would make of the show, and its events: nothing is applied
        or published (a resumed run's notice says where the show is when it is shown)."""
        if self.autopilot:
            state, events = follow_plan(self.state, now)
        else:
            state, events = self.state, list[ShowEvent]()
            if self._catch_up is not None:
                state, events = follow_plan(state, min(self._catch_up, now))
            state, more = advance(state, now)
            events += more
        if self.following and state.mode is Mode.ENDED and self.state.mode is not Mode.ENDED:
            return self.state, []  # a standby holds the last slot until the driver's log ends
        return state, events

    def boundary_ahead(self, within: timedelta) -> Boundary | None:
        """The next slot start the show makes by itself within `within` of now — a planned
        start, an auto slot's deadline (as extended), a hard start — with what it will bring;
        nothing is applied. None if none comes that soon by itself: a manual slot, a hold,
        the end, or (autopilot) a planned move by hand coming first."""
        now = self.clock.now()
        state, _ = self.due(now)
        for _ in range(LOOK_AHEAD):
            auto = next_automatic(state)
            if auto is None or auto[0] > now + within:
                return None
            at = max(auto[0], state.as_of)
            move = planned_move(state) if self.autopilot else None
            if move is not None and move[0] <= at:
                return None
            state, events = advance(state, at)
            if any(e.kind == "slot_started" for e in events):
                return Boundary(at, state, events)
        return None

    def _writable(self) -> None:
        if self.read_only is not None:
            raise ReadOnly(self.read_only)

    def follow(self, state: ShowState, message: SpeakerMessage | None, at: datetime) -> None:
        """A standby: the show as the driver's log has it now replaces ours (`followed`)."""
        self.state, self.programme, self.message = state, state.programme, message
        self._consider()
        self._publish([ShowEvent("followed", at)])
        self._poke()

    def stop_following(self) -> None:
        """This run drives now, or the driver's log has ended: the show ends as any does."""
        self.following = False
        self._poke()

    def tick(self) -> list[ShowEvent]:
        """Apply what is due by now; publish and return the events."""
        self.state, events = self.due(self.clock.now())
        self._catch_up = None
        self._consider()  # before the events: a screen they repaint shows the proposal too
        self._publish(events)
        return events

    def act(self, action: Action, source: str | None = None) -> list[ShowEvent]:
        """Apply an operator action now (raises TransitionError if it does not apply).

        `source` says who took it (`keyboard`, `api:<client>`, `osc`): the as-run log
        and the report name it."""
        self._writable()
        self.tick()  # what was due before the action happened before it
        now = max(self.clock.now(), self.state.as_of)
        self.state, events = apply(self.state, action, now)
        record = ShowEvent("operator", now, cause="operator", action=action, source=source)
        events = [record, *events]
        self._consider()  # before the events: a screen they repaint shows the proposal too
        self._publish(events)
        self._poke()
        return events

    def preview(self, programme: Programme) -> ProgrammeDiff:
        """What accepting `programme` now would change (raises RevisionRefused if refused)."""
        now = max(self.clock.now(), self.state.as_of)
        after, _ = revise(self.state, programme, now)
        return running_diff(self.state, after, now)

    def revise(
        self,
        programme: Programme,
        by: str = "operator",
        journal: Callable[[datetime], None] | None = None,
    ) -> tuple[ProgrammeDiff, list[ShowEvent]]:
        """Run on a new version of the programme from now (raises RevisionRefused, unchanged).

        `journal(at)` is called once the revision is known to apply and before its
        events are published: the as-run log records it there, ahead of its effects.
        """
        self._writable()
        self.tick()
        now = max(self.clock.now(), self.state.as_of)
        before = self.state
        after, events = revise(before, programme, now, by)
        if journal is not None:
            journal(now)
        self.state = after
        self.programme = after.programme
        self._consider()  # before the events: a screen they repaint shows the proposal too
        self._publish(events)
        self._poke()
        return running_diff(before, after, now), events

    # ------------------------------------------------------------ running late

    def _consider(self) -> None:
        """Offer the running-late proposal for the show as it now stands (docs/running-late.md).

        A newer one replaces the one on offer; a dismissed one stays dismissed until
        the forecast moves by more than the policy's threshold (or meets its targets).
        """
        now = max(self.clock.now(), self.state.as_of)
        try:
            fresh = propose(self.state, now) if self.state.mode is not Mode.ENDED else None
        except Exception as exc:  # a proposal is advice: its failure must not stop the show
            self.failed("the running-late proposal", exc)
            fresh = None
        if fresh is None:
            self._dismissed = None
        elif not fresh.shortenings:
            fresh = None  # nothing can give way: the forecast says so; there is nothing to accept
        elif self._dismissed is not None:
            if moved(self._dismissed.before, fresh.before, self.programme.late.threshold):
                self._dismissed = None
            else:
                fresh = None
        self.proposal = fresh  # read by the front ends; only an accepted one is logged

    def accept_proposal(
        self, by: str, journal: Callable[[Proposal], Callable[[datetime], None]] | None = None
    ) -> tuple[Proposal, ProgrammeDiff]:
        """Run on the proposal on offer from now, as a revision (raises NoProposal).

        `journal(proposal)` gives what records it (see `revise`): the as-run log's record."""
        self._writable()
        self.tick()  # the proposal for the show as it stands now
        proposal = self.proposal
        if proposal is None:
            raise NoProposal("there is no proposal to accept now")
        record = journal(proposal) if journal is not None else None
        diff, _ = self.revise(proposal.programme, by, record)
        return proposal, diff

    def dismiss_proposal(self, source: str | None = None) -> Proposal:
        """Put the proposal on offer aside until the forecast moves (raises NoProposal)."""
        self._writable()
        proposal = self.proposal
        if proposal is None:
            raise NoProposal("there is no proposal to dismiss")
        self._dismissed, self.proposal = proposal, None
        log.info("running-late proposal dismissed by %s", source or "operator")
        return proposal

    def set_message(self, text: str, flash: bool = False, source: str | None = None) -> ShowEvent:
        """Show (or, with empty text, clear) a message on the speaker screens."""
        self._writable()
        self.message = SpeakerMessage(text.strip(), flash) if text.strip() else None
        event = ShowEvent(
            "message",
            self.clock.now(),
            text=text.strip(),
            cause="flash" if flash else None,
            source=source,
        )
        self._publish([event])
        return event

    def publish(self, events: list[ShowEvent]) -> None:
        """Let other parts (the OBS director) put their events on the same bus."""
        self._publish(events)

    @property
    def ended(self) -> bool:
        return self.state.mode is Mode.ENDED

    async def run(self) -> None:
        """Tick at every instant the engine says something happens, until the show ends
        (`following`: until it has ended and the driver's log too)."""
        self._wake = asyncio.Event()
        self.tick()
        while not self.ended or self.following:
            due = next_instant(self.state)
            if self.following and due is not None and due <= self.clock.now():
                due = None  # the end, held (`due`): the copy's next records move the show
            wait = IDLE_WAKE if due is None else self.clock.real_seconds_until(due)
            if due is not None and wait <= PRECISE_WINDOW:
                await sleep_until(self.clock, due)  # the last stretch, to the millisecond
            else:
                with contextlib.suppress(TimeoutError):
                    coarse = min(wait - PRECISE_WINDOW / 2, IDLE_WAKE)
                    await asyncio.wait_for(self._wake.wait(), timeout=max(coarse, 0.0))
                self._wake.clear()
            try:
                self.tick()
            except Exception as exc:  # the scheduler never stops while the show runs
                self.failed("the show scheduler", exc)
                await asyncio.sleep(RETRY_AFTER_FAILURE)

    def failed(self, where: str, exc: BaseException) -> None:
        """Report a contained internal error: the diagnostics log, then the front end."""
        log.error("%s failed; the show goes on", where, exc_info=exc)
        if self.on_failure is not None:
            try:
                self.on_failure(where, exc)
            except Exception:
                log.exception("reporting a failure failed")

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _publish(self, events: list[ShowEvent]) -> None:
        if not events:
            return
        for listener in list(self._listeners):
            try:
                listener(events)
            except Exception as exc:  # one broken subscriber must not stop the others
                name = getattr(listener, "__qualname__", repr(listener))
                self.failed(f"show-bus subscriber {name}", exc)
