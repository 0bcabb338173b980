"""ObsDirector: carries the show's cues out through the ObsController.

The session says *what happened* (a slot started at 16:10:00.000); the pure
`cues_for` says *what OBS should do* about it; the controller makes OBS do it
and reports back. The director is the only place those three meet. It also
keeps the programme's OBS text sources up to date (at most once a second,
only when the text changes: the controller throttles) and, in studio mode,
puts the next slot's scene on preview as soon as the previous one goes live.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from timekeeper.core.countdown import countdown_text
from timekeeper.core.cues import RunAction, SwitchScene, cues_for
from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import Programme
from timekeeper.core.status import Status
from timekeeper.obs import events as obs_events
from timekeeper.obs.controller import ObsController, ObsMode
from timekeeper.runtime.session import ShowSession

Record = dict[str, object]
TEXT_INTERVAL = 1.0  # real seconds between text refreshes
ACTION_GRACE = 5.0  # real seconds a stopping run waits for OBS actions already asked for
SYNC_WAIT = 5.0  # real seconds a resumed run waits for OBS before re-sending the live scene


def obs_record(event: obs_events.ObsEvent) -> Record:
    """An OBS event as a record of the show's event stream ("event" key like ShowEvent)."""
    data: Record = dict(event.to_dict())
    data["event"] = data.pop("kind")
    return data


class ObsDirector:
    """Subscribes to the session; turns its events into OBS switches, actions and texts."""

    def __init__(self, session: ShowSession, controller: ObsController) -> None:
        self.session = session
        self.controller = controller
        self._texts_task: asyncio.Task[None] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        session.subscribe(self.on_show_events)

    def on_show_events(self, events: list[ShowEvent]) -> None:
        """Carry out the cues of a batch; of several switches (a catch-up) only the last counts."""
        cues = cues_for(self.session.programme, events)
        switches = [c for c in cues if isinstance(c, SwitchScene)]
        last = switches[-1] if switches else None
        for cue in cues:
            if isinstance(cue, RunAction):
                self.controller.run_action(cue.action, cue.key)
            elif cue is last:
                self.controller.switch_scene(
                    cue.scene, boundary_at=cue.boundary_at, key=cue.key, transition=cue.transition
                )
        if any(e.kind in ("slot_started", "slot_ended") for e in events):
            self._preview_next()

    def _preview_next(self) -> None:
        """Studio mode: the next slot's scene goes on preview well before its boundary."""
        if not self.session.programme.obs.studio_mode:
            return
        nxt = self.session.status().next
        if nxt is not None and nxt.slot.scene:
            self.controller.preview_scene(nxt.slot.scene)

    def sync_live_scene(self) -> bool:
        """Ask for the live slot's scene now (a resumed run: no boundary will come to do it)."""
        state = self.session.state
        if state.live is None:
            return False
        slot, record = self.session.programme.slots[state.live], state.records[state.live]
        if not slot.scene or record.actual_start is None:
            return False
        transition = slot.transition or self.session.programme.obs.transition
        key = f"{slot.id}:scene:{record.actual_start.isoformat()}:sync"
        self.controller.switch_scene(
            slot.scene, boundary_at=self.session.clock.now(), key=key, transition=transition
        )
        return True

    def resume_actions(self) -> int:
        """A resumed show: carry out the once-only actions its slots asked for that never got
        done (a crash between a boundary and OBS's reply, or a boundary passed while down).

        In order, as the boundaries came; keys already done (the log's action_done) are
        left out, and the controller checks OBS's output state before sending. Live only.
        """
        if self.controller.mode is not ObsMode.LIVE:
            return 0
        programme, records = self.session.programme, self.session.state.records
        boundaries: list[tuple[datetime, int, ShowEvent]] = []  # on_end before on_start
        for slot, rec in zip(programme.slots, records, strict=True):
            if rec.actual_start is not None:
                boundaries.append(
                    (rec.actual_start, 1, ShowEvent("slot_started", rec.actual_start, slot.id))
                )
            if rec.actual_end is not None:
                boundaries.append(
                    (rec.actual_end, 0, ShowEvent("slot_ended", rec.actual_end, slot.id))
                )
        events = [event for _, _, event in sorted(boundaries, key=lambda b: (b[0], b[1]))]
        done = self.controller.done_keys
        due = [c for c in cues_for(programme, events) if isinstance(c, RunAction)]
        due = [c for c in due if c.key not in done]
        for cue in due:
            self.controller.run_action(cue.action, cue.key)
        return len(due)

    async def start(self) -> None:
        await self.controller.start()
        self.resume_actions()
        self._sync_task = asyncio.create_task(self._sync_when_connected(), name="obs-sync")
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
        for task in (self._sync_task, self._texts_task):
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
