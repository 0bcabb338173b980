"""The operator's actions by name, for every remote surface, with the keyboard's safety rules.

`Controls.run(name, params, source, arrived)` is the one way an HTTP or OSC request
moves the show. It goes through the same `ShowSession` transitions as the dashboard's
keys and asks what the keyboard asks (`core/asks.py`): `next`, `back`, `hold`,
`release`, `jump`, `resend`, `auto-switch`, `accept-proposal` (the running-late
re-plan, docs/running-late.md) and `shorten` when it would pass the
deadline, need `"confirm": true` (else `Refused(428, the question)`); an action that
does not apply is `Refused(409, why)` before anything changes; bad parameters are
`Refused(400, …)`. A show-moving action passes the run's gate (`control/gate.py`):
`"from": "<slot id>"` states the slot it means to move from (409 when that no longer
holds), and one that arrived before the show last moved, or follows its surface's
previous one within the keyboard's burst gap, is `Refused(409, …)`. Every action is
logged with its source (`api:<client>`, `osc`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from timekeeper.control.gate import gate_for, precondition
from timekeeper.control.notices import RemoteAction
from timekeeper.core.asks import ask, ask_obs
from timekeeper.core.engine import Action, ActionKind, ShowEvent, apply
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.errors import TransitionError
from timekeeper.programme.proposaltext import explain
from timekeeper.show.handle import RunHandle
from timekeeper.show.revisions import accept_proposal

MAX_MINUTES = 60.0
MAX_TEXT = 500
KINDS = {
    "next": ActionKind.NEXT,
    "turn": ActionKind.NEXT_TURN,
    "back": ActionKind.BACK,
    "extend": ActionKind.EXTEND,
    "shorten": ActionKind.EXTEND,
    "hold": ActionKind.HOLD,
    "release": ActionKind.RELEASE,
    "jump": ActionKind.JUMP,
}
PARAMS: dict[str, tuple[str, ...]] = {
    "next": (),
    "turn": (),
    "back": (),
    "extend": ("minutes",),
    "shorten": ("minutes",),
    "hold": (),
    "release": (),
    "jump": ("slot",),
    "message": ("text", "flash"),
    "resend": (),
    "auto-switch": ("on",),
    "accept-proposal": (),
    "take-over": (),
    "hand-over": (),
}
PAIR = ("take-over", "hand-over")  # the standby pair's (issue 24): allowed on a standby
NAMES = tuple(PARAMS)


class Refused(Exception):
    """A request that did nothing: `status` 400 (bad parameters), 404 (no such action),
    409 (does not apply now), 428 (the keyboard asks first: send confirm)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Done:
    action: str
    source: str
    result: str  # what happened, in a few words
    events: tuple[dict[str, object], ...] = ()


def _minutes(params: Mapping[str, Any]) -> float:
    value = params.get("minutes", 1)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**6:
        value = math.inf  # an integer of any size: refused below, never converted (OverflowError)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(400, 'minutes must be a number, e.g. {"minutes": 1}')
    if not 0 < value <= MAX_MINUTES:
        raise Refused(400, f"minutes must be more than 0 and at most {MAX_MINUTES:g}")
    return float(value)


def _flag(params: Mapping[str, Any], key: str, default: bool | None) -> bool | None:
    value = params.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise Refused(400, f"{key} must be true or false")
    return value


class Controls:
    """Remote actions on a run: what the dashboard's keys do, named, with their rules."""

    def __init__(self, runtime: RunHandle, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock`: monotonic seconds for the gate (the first `Controls` of a run sets it)."""
        self.runtime = runtime
        self.gate, self.clock = gate_for(runtime.session, clock)

    def run(
        self, name: str, params: Mapping[str, Any], source: str, arrived: float | None = None
    ) -> Done:
        """Do `name`; `arrived` is when the request was received (monotonic; None: now)."""
        if name not in PARAMS:
            raise Refused(404, f"no action {name[:40]!r}: the actions are {', '.join(NAMES)}")
        allowed = {*PARAMS[name], "confirm", *(("from",) if name in KINDS else ())}
        unknown = sorted(set(params) - allowed)
        if unknown:
            takes = ", ".join(sorted(allowed))
            raise Refused(400, f"{name} takes no parameter {unknown[0]!r} (it takes: {takes})")
        confirmed = bool(_flag(params, "confirm", False))
        read_only = self.runtime.session.read_only
        if read_only is not None and name not in PAIR:
            raise Refused(409, read_only)
        if name in PAIR:
            done = self._pair(name, confirmed, source)
        elif name == "message":
            done = self._message(params, source)
        elif name in ("resend", "auto-switch"):
            done = self._obs(name, params, confirmed, source)
        elif name == "accept-proposal":
            done = self._accept_proposal(confirmed, source)
        else:
            done = self._gated(name, params, confirmed, source, arrived)
        self.runtime.tell(RemoteAction(action=name, by=source, message=done.result))
        return done

    # ------------------------------------------------------------ the show

    def _gated(
        self,
        name: str,
        params: Mapping[str, Any],
        confirmed: bool,
        source: str,
        arrived: float | None,
    ) -> Done:
        """A show-moving action through the run's gate: not stale, not a burst, `from` holds."""
        session = self.runtime.session
        gate, clock = self.gate, self.clock
        surface = source.split(":", 1)[0]
        now = clock()
        why = gate.refusal(surface, now if arrived is None else arrived, now)
        session.tick()  # what was due before the request happened before it
        why = why or precondition(session, params.get("from"))
        if why is None and arrived is not None and arrived < gate.moved_at:
            why = gate.refusal(surface, arrived, clock())  # the tick moved the show
        if why is not None:
            raise Refused(409, why)
        done = self._show(name, params, confirmed, source)
        gate.acted(surface, clock())
        return done

    def _show(self, name: str, params: Mapping[str, Any], confirmed: bool, source: str) -> Done:
        session = self.runtime.session
        kind = KINDS[name]
        minutes = 0.0
        slot: str | None = None
        if name in ("extend", "shorten"):
            minutes = _minutes(params) * (-1 if name == "shorten" else 1)
        if name == "jump":
            slot = params.get("slot")
            if not isinstance(slot, str) or not slot:
                raise Refused(400, 'jump needs the slot\'s id, e.g. {"slot": "qa"}')
        action = Action(kind, minutes, slot)
        status = session.status()
        if kind is ActionKind.HOLD and status.held:
            raise Refused(409, "the show is already on hold")
        if kind is ActionKind.RELEASE and not status.held:
            raise Refused(409, "the show is not on hold")
        try:  # the engine is pure: try it first, so a refusal changes nothing
            apply(session.state, action, max(session.clock.now(), session.state.as_of))
        except TransitionError as exc:
            raise Refused(409, str(exc)) from None
        sent = session.run_mode is RunMode.LIVE
        question = ask(status, action, session.programme.tz, sent=sent)
        if question is not None and not confirmed:
            raise Refused(428, f'{question.line()} Send "confirm": true to do it.')
        try:
            events = session.act(action, source=source)
        except TransitionError as exc:
            raise Refused(409, str(exc)) from None
        tz = session.programme.tz
        shown = tuple(
            {**e.to_json(), "at": e.at.astimezone(tz).isoformat()}
            for e in events
            if e.kind != "operator"
        )
        return Done(name, source, _describe(name, events, session.programme), shown)

    def _accept_proposal(self, confirmed: bool, source: str) -> Done:
        """The running-late proposal on offer, accepted as the dashboard's key does it."""
        session = self.runtime.session
        session.tick()
        offered = session.proposal
        if offered is None:
            raise Refused(409, "there is no running-late proposal to accept")
        words = "; ".join(explain(offered, session.programme))
        if not confirmed:
            raise Refused(428, f'Accept the running-late proposal? {words}. Send "confirm": true.')
        try:
            accepted = accept_proposal(self.runtime, source)
        except TransitionError as exc:
            raise Refused(409, str(exc)) from None
        return Done("accept-proposal", source, "; ".join(explain(accepted, session.programme)))

    def _pair(self, name: str, confirmed: bool, source: str) -> Done:
        """Take over (an armed standby) or hand over (the driver), confirmed like the keys."""
        pair = self.runtime.pair
        if pair is None:
            raise Refused(409, "this run is in no standby pair (it needs a room and a broker)")
        if not confirmed:
            what = "Take the show over" if name == "take-over" else "Hand the show over"
            raise Refused(428, f'{what}? {pair.line()}. Send "confirm": true to do it.')
        try:
            result = pair.take_over(source) if name == "take-over" else pair.hand_over(source)
        except TransitionError as exc:
            raise Refused(409, str(exc)) from None
        return Done(name, source, result)

    # ------------------------------------------------------------ messages and OBS

    def _message(self, params: Mapping[str, Any], source: str) -> Done:
        text = params.get("text", "")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise Refused(400, f"text must be a string of at most {MAX_TEXT} characters")
        flash = bool(_flag(params, "flash", False))
        self.runtime.session.set_message(text, flash, source)
        result = "speaker message sent" if text.strip() else "speaker message cleared"
        return Done("message", source, result)

    def _obs(self, name: str, params: Mapping[str, Any], confirmed: bool, source: str) -> Done:
        runtime = self.runtime
        obs = runtime.read_obs_status()
        if runtime.obs is None or obs is None:
            raise Refused(409, "OBS is not configured for this programme")
        if name == "resend":
            if runtime.session.status().live is None:
                raise Refused(409, "no slot is live: there is no scene to re-send")
            question = ask_obs("resend")
        else:
            on = _flag(params, "on", None)
            if on is not None and on == obs.auto_switch:
                raise Refused(409, f"automatic scene switching is already {'on' if on else 'off'}")
            question = ask_obs("auto", obs.auto_switch)
        if not confirmed:
            raise Refused(428, f'{question.line()} Send "confirm": true to do it.')
        result = runtime.obs_act("resend" if name == "resend" else "auto", source)
        return Done(name, source, result)


def _describe(name: str, events: list[ShowEvent], programme: Programme) -> str:
    """What an action did, in a few words: "next: Panel discussion is live"."""
    kinds = {e.kind: e for e in events}
    started, turn = kinds.get("slot_started"), kinds.get("turn_started")
    if "show_ended" in kinds:
        return f"{name}: the show ended"
    if started is not None and started.slot is not None:
        return f"{name}: {programme.slots[programme.index(started.slot)].title} is live"
    if turn is not None:
        return f"{name}: {turn.speaker} speaks"
    back = kinds.get("back")
    if back is not None and back.slot is not None:
        title = programme.slots[programme.index(back.slot)].title
        return f"back: {title} again" + (", on hold" if "hold" in kinds else "")
    changed = kinds.get("extended") or kinds.get("shortened")
    if changed is not None and changed.minutes is not None:
        return f"{name}: {changed.minutes:+g} min"
    if "slot_ended" in kinds:
        return f"{name}: the live slot ended"
    return {"hold": "hold: on hold", "release": "release: hold released"}.get(name, f"{name}: done")
