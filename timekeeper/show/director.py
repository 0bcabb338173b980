"""ObsDirector: carries the show's cues out through the ObsController.

The session says *what happened* (a slot started at 16:10:00.000); the pure
`cues_for` says which scene OBS should switch to, and `output_cues` which
stream/record actions bring OBS to the output intent of the live position
(core/outputs.py: a jump or a hard start over a slot loses none of its
actions); the controller makes OBS do it and reports back. The director is the
only place those meet, and says each output change in the event log. It also
keeps the programme's OBS text sources up to date (at most once a second,
only when the text changes: the controller throttles) and, in studio mode,
puts the next slot's scene on preview as soon as the previous one goes live.

A boundary the show will make by itself (a planned or hard start, an auto
slot's deadline) is armed ahead when it comes near (`ARM_AHEAD`): the
controller sends its switch at the instant itself, not after the session has
woken and told everyone. Each change of the show re-arms or disarms it; the
boundary's own event then switches nothing twice (the controller knows the key).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from timekeeper.core.countdown import countdown_text
from timekeeper.core.cues import RunAction, SwitchScene, aimed, cues_for, output_cues
from timekeeper.core.engine import ActionKind, ShowEvent
from timekeeper.core.modes import RunMode
from timekeeper.core.outputs import Intents, Output, changes, intent_at
from timekeeper.core.programme import Programme
from timekeeper.core.status import Status
from timekeeper.obs import events as obs_events
from timekeeper.obs.controller import ObsController
from timekeeper.obs.switcher import SceneCue
from timekeeper.show.session import ShowSession

Record = dict[str, object]
TEXT_INTERVAL = 1.0  # real seconds between text refreshes
ACTION_GRACE = 5.0  # real seconds a stopping run waits for OBS actions already asked for
SYNC_WAIT = 5.0  # real seconds a resumed run waits for OBS before re-sending the live scene
ARM_AHEAD = 3.0  # real seconds before a boundary its switch is armed
ARM_CHECK = 0.25  # real seconds between looks for a boundary come near (or a reconnect)


def obs_record(event: obs_events.ObsEvent) -> Record:
    """An OBS event as a record of the show's event stream ("event" key like ShowEvent)."""
    data: Record = dict(event.to_dict())
    data["event"] = data.pop("kind")
    return data


class ObsDirector:
    """Subscribes to the session; turns its events into OBS switches, actions and texts."""

    def __init__(
        self,
        session: ShowSession,
        controller: ObsController,
        on_record: Callable[[Record], None] | None = None,
        *,
        arm_ahead: float = ARM_AHEAD,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`arm_ahead` (real seconds) says how near a boundary is armed; `sleep` paces the
        look for it (tests inject one they fire)."""
        self.session = session
        self.arm_ahead = arm_ahead
        self._sleep = sleep
        self._arm_task: asyncio.Task[None] | None = None
        self.controller = controller
        self.on_record = on_record  # the run's records (as-run log, event log)
        self._texts_task: asyncio.Task[None] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._intent: Intents = intent_at(session.programme, session.state)
        self._asked: set[str] = set()  # output keys asked for in this run
        session.subscribe(self.on_show_events)

    def on_show_events(self, events: list[ShowEvent]) -> None:
        """Carry out the cues of a batch; of several switches (a catch-up) only the last counts.

        Output actions follow the intent of the position the batch leaves the show at:
        stops before the switch, starts after it (the stream starts on the new scene).
        """
        switches = cues_for(self.session.programme, events)
        outputs = self.follow_outputs(
            events[-1].at if events else None, _cause(self.session.programme, events)
        )
        for cue in outputs:
            if not cue.starts:
                self.controller.run_action(cue.action, cue.key)
        over = any(e.kind == "show_ended" for e in events)
        if switches and not over:  # a catch-up past the end: nothing more goes on air
            switch = switches[-1]
            self.controller.switch_scene(
                switch.scene,
                boundary_at=switch.boundary_at,
                key=switch.key,
                transition=switch.transition,
            )
        for cue in outputs:
            if cue.starts:
                self.controller.run_action(cue.action, cue.key)
        if any(e.kind in ("slot_started", "slot_ended") for e in events):
            self._preview_next()
        self.arm_next()  # the show changed: its next boundary may have moved or gone

    def arm_next(self) -> None:
        """Arm the next boundary's switch when it is near; arm it again if it moved (an
        extension, a revision); disarm it if it no longer comes by itself then."""
        want, have = self._boundary_to_arm(), self.controller.armed
        if want is None:
            if have is not None:
                self.controller.disarm_switch("the show no longer reaches it by itself then")
            return
        cue = (want.scene, want.key, want.boundary_at, want.transition)
        if have is None or (have.scene, have.key, have.at, have.transition) != cue:
            self.controller.arm_switch(
                want.scene, boundary_at=want.boundary_at, key=want.key, transition=want.transition
            )

    def _boundary_to_arm(self) -> SwitchScene | None:
        """The switch of the boundary ahead, if it may leave before the session hears of it:
        OBS connected and switched by timekeeper (not a dry run, automatic switching on),
        the boundary near, not ending the show, and stopping no output (a stop goes before
        the switch, so the stream never shows the next scene)."""
        status, session = self.controller.status, self.session
        if self.controller.mode is RunMode.DRY or not status.connected or not status.auto_switch:
            return None
        ahead = session.boundary_ahead(timedelta(seconds=self.arm_ahead * session.clock.speed))
        if ahead is None or any(e.kind == "show_ended" for e in ahead.events):
            return None
        after = intent_at(session.programme, ahead.state)
        if any(not intent.running for intent in changes(self._intent, after)):
            return None
        switches = cues_for(session.programme, ahead.events)
        return switches[-1] if switches else None

    async def _keep_armed(self) -> None:
        """Look for a boundary come near every ARM_CHECK (a change of the show re-arms at
        once, in on_show_events); after a reconnect this arms again what the drop disarmed."""
        while True:
            try:
                self.arm_next()
            except Exception as exc:  # arming is a head start: the boundary switches anyway
                self.session.failed("arming the next scene switch", exc)
            await self._sleep(ARM_CHECK)

    def follow_outputs(self, at: datetime | None, cause: Cause | None) -> list[RunAction]:
        """The output actions that bring OBS to the live position's intent (each once);
        each is said in the event log. The caller sends them (see on_show_events)."""
        programme = self.session.programme
        after = intent_at(programme, self.session.state)
        status = self.controller.status
        observed = {
            Output.STREAM: status.streaming if status.connected else None,
            Output.RECORDING: status.recording if status.connected else None,
        }
        settled = self.controller.done_keys | self._asked
        when = at if at is not None else self.session.clock.now()
        cues = output_cues(self._intent, after, when, settled, observed)
        self._intent = aimed(self._intent, after)
        for cue in cues:
            self._asked.add(cue.key)
            self._say(cue, cause)
        return cues

    def _say(self, cue: RunAction, cause: Cause | None) -> None:
        intent = cue.intent
        if self.on_record is None or intent is None:
            return
        sent = self.controller.mode is RunMode.LIVE
        text = intent.sentence(sent=sent)
        if cue.again:
            text += ", again: the show went back over it"
        if not sent:
            text += f" — {self.controller.mode.obs_word.replace('_', ' ')}: never sent"
        if cause is not None:
            text = f"{cause.label}: {text}"
        self.on_record(
            {
                "event": "output_intent",
                "at": cue.at.isoformat(),
                "output": intent.output.value,
                "running": intent.running,
                "action": cue.action.value,
                "key": cue.key,
                "slot": intent.slot,
                "skipped": intent.skipped,
                "again": cue.again,
                "cause": cause.kind if cause is not None else None,
                "notify": intent.skipped or cue.again or cause is not None,
                "message": text,
            }
        )

    def _preview_next(self) -> None:
        """Studio mode: the next slot's scene goes on preview well before its boundary."""
        if not self.session.programme.obs.studio_mode:
            return
        nxt = self.session.status().next
        if nxt is not None and nxt.slot.scene:
            self.controller.preview_scene(nxt.slot.scene)

    def live_scene(self, why: str = "sync") -> SceneCue | None:
        """The live slot's scene as the programme has it now (a revision may have changed it)."""
        state = self.session.state
        if state.live is None:
            return None
        slot, record = self.session.programme.slots[state.live], state.records[state.live]
        if not slot.scene or record.actual_start is None:
            return None
        transition = slot.transition or self.session.programme.obs.transition
        return slot.scene, f"{slot.id}:scene:{record.actual_start.isoformat()}:{why}", transition

    def sync_live_scene(self) -> bool:
        """Ask for the live slot's scene now (a resumed run: no boundary will come to do it)."""
        cue = self.live_scene()
        if cue is None:
            return False
        scene, key, transition = cue
        self.controller.switch_scene(
            scene, boundary_at=self.session.clock.now(), key=key, transition=transition
        )
        return True

    def resume_actions(self) -> int:
        """A resumed show: bring the outputs to the intent of where it stands, for what its
        slots asked and never got done (a crash between a boundary and OBS's reply, a
        boundary passed while down, a slot skipped). Keys already done (the log's
        action_done) are left out, and the controller checks OBS's output state before
        sending. Stops first."""
        cues = self.follow_outputs(None, Cause("resume", "Resumed"))
        for cue in sorted(cues, key=lambda c: c.starts):
            self.controller.run_action(cue.action, cue.key)
        return len(cues)

    async def start(self) -> None:
        await self.controller.start()
        self.resume_actions()
        self._sync_task = asyncio.create_task(self._sync_when_connected(), name="obs-sync")
        if self.controller.mode is not RunMode.DRY and self.controller.status.url is not None:
            self._arm_task = asyncio.create_task(self._keep_armed(), name="obs-arm")
        if _names_texts(self.session.programme):  # else no status to compute every second
            self._texts_task = asyncio.create_task(self._keep_texts(), name="obs-texts")

    async def _sync_when_connected(self) -> None:
        """A resumed show is already live: OBS must show its scene. Asked once connected (asked
        before, the switch would be logged as failed, OBS not connected yet), or after
        SYNC_WAIT without a connection; not if a boundary has asked for a scene meanwhile."""
        await self.controller.wait_connected(SYNC_WAIT)
        if self.controller.status.desired_scene is None:
            self.sync_live_scene()

    async def stop(self) -> None:
        for task in (self._sync_task, self._texts_task, self._arm_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.controller.finish_actions(ACTION_GRACE)  # e.g. the last slot's stop_streaming
        await self.controller.stop()

    async def _keep_texts(self) -> None:
        while True:
            texts = render_texts(self.session.programme, self.session.status())
            for source, text in texts.items():
                self.controller.set_text(source, text)
            await asyncio.sleep(TEXT_INTERVAL / max(1.0, min(self.session.clock.speed, 10.0)))


@dataclass(frozen=True)
class Cause:
    """What moved the show in a way the event log should name (a jump, a hard start...)."""

    kind: str  # hard | jump | back | resume
    label: str  # "Hard start of 'Reception'"


def _cause(programme: Programme, events: list[ShowEvent]) -> Cause | None:
    def title(slot_id: str | None) -> str:
        try:
            return programme.slots[programme.index(slot_id or "")].title
        except KeyError:
            return str(slot_id)

    for ev in events:
        if ev.kind == "slot_started" and ev.cause == "hard":
            return Cause("hard", f"Hard start of '{title(ev.slot)}'")
    for ev in events:
        if ev.kind == "operator" and ev.action is not None:
            if ev.action.kind is ActionKind.JUMP:
                return Cause("jump", f"Jump to '{title(ev.action.slot)}'")
            if ev.action.kind is ActionKind.BACK:
                return Cause("back", "Back")
    return None


def _names_texts(programme: Programme) -> bool:
    return bool(programme.obs.texts) or any(slot.texts for slot in programme.slots)


def render_texts(programme: Programme, status: Status) -> dict[str, str]:
    """The text of every OBS text source the programme names, for this status.

    `obs.texts` apply all the time (e.g. "Starting in {remaining}" on a holding
    scene); a live slot's `texts` add to them or override them.
    """
    templates = dict(programme.obs.texts)
    if status.live is not None:
        templates.update(dict(status.live.slot.texts))
    if not templates:
        return {}
    values = _placeholders(programme, status)
    return {source: _fill(template, values) for source, template in templates.items()}


def _placeholders(programme: Programme, status: Status) -> dict[str, str]:
    live, nxt = status.live, status.next
    speaker = ""
    if status.turn is not None:
        speaker = status.turn.turn.speaker
    elif live is not None:
        speaker = live.slot.speaker_names()
    cut = ""
    if status.countdown is not None:  # its deadline is the limit: a hard start that cuts it
        remaining = status.countdown.remaining
        cut = status.countdown.cut.label if status.countdown.cut is not None else ""
    else:
        remaining = status.until_next or timedelta(0)
    next_start = ""
    if nxt is not None and nxt.expected_start is not None:
        next_start = programme.local(nxt.expected_start).strftime("%H:%M")
    return {
        "title": live.slot.title if live is not None else "",
        "speaker": speaker,
        "next_title": nxt.slot.title if nxt is not None else "",
        "next_start": next_start,
        "remaining": countdown_text(remaining),
        "cut": cut,
    }


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""  # the loader rejects unknown placeholders; never fail mid-show on one


def _fill(template: str, values: dict[str, str]) -> str:
    """str.format semantics: {speaker} is replaced, {{ and }} are literal braces."""
    try:
        return template.format_map(_Blank(values))
    except (ValueError, IndexError):
        return template
