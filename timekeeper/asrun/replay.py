"""Replaying a log: the engine fed the logged operator actions, checked against the log.

Why replay rather than a saved snapshot: the engine is deterministic, so the
logged operator actions at their instants, replayed from the run's start,
give back exactly the state the show had (automatic transitions, delays,
extensions, holds, the undo history). Owns `logged_actions`, `replay_log`
(with each action's effect, `ActionAt`) and `compare`, which checks the
replay's structural events (`STRUCTURAL`) against the logged ones. It must
not open logs for writing nor decide between a fresh run and a resume.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from timekeeper.core.clock import Clock
from timekeeper.core.engine import (
    Action,
    ShowEvent,
    ShowState,
    advance,
    apply,
    follow_plan,
    new_show,
)
from timekeeper.core.programme import Programme
from timekeeper.core.proposal import Lengths
from timekeeper.core.revise import revise
from timekeeper.errors import TransitionError

STRUCTURAL = frozenset(
    {
        "show_started",
        "slot_started",
        "slot_ended",
        "slot_skipped",
        "turn_started",
        "turn_ended",
        "turns_done",
        "show_ended",
        "back",
        "hold",
        "release",
        "extended",
        "shortened",
        "revised",
    }
)

ClockFactory = Callable[[datetime, float], Clock]


@dataclass(frozen=True)
class ActionAt:
    """A logged operator action, with the slot that was live when it was taken."""

    at: datetime
    action: Action
    live: str | None  # slot id
    refused: str | None = None  # the replay could not apply it (a mismatch)
    produced: tuple[ShowEvent, ...] = ()  # the events it produced


@dataclass(frozen=True)
class Replay:
    state: ShowState
    events: tuple[ShowEvent, ...]  # every engine event, in order
    actions: tuple[ActionAt, ...]
    refused_revisions: tuple[str, ...] = ()  # revisions the replay could not apply (mismatch)


def instant(value: object) -> datetime | None:
    """A record's ISO instant, or None if it has none (or a bad one)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def logged_actions(records: Iterable[Mapping[str, Any]]) -> list[tuple[datetime, Action]]:
    """The operator actions of a log, at their instants."""
    out = []
    for rec in records:
        action, at = rec.get("action"), instant(rec.get("at"))
        if rec.get("event") == "operator" and isinstance(action, dict) and at is not None:
            out.append((at, Action.from_json(action)))
    return out


# an operator action, an accepted revision, or an accepted running-late proposal's lengths
Step = tuple[datetime, "Action | Programme | Lengths"]


def logged_steps(
    records: Iterable[Mapping[str, Any]], version: Callable[[Mapping[str, Any]], Programme]
) -> list[Step]:
    """The operator actions and the accepted revisions of a log, in the order logged.

    `version(record)` gives the programme a `revision` record names (see versions.py).
    """
    out: list[Step] = []
    for rec in records:
        at = instant(rec.get("at"))
        if at is None:
            continue
        if rec.get("record") == "revision":
            proposal = rec.get("proposal")
            if isinstance(proposal, dict):  # applied to the plan as it stands (running-late.md)
                with contextlib.suppress(ValueError):  # unreadable: the replay check says so
                    out.append((at, Lengths.from_json(proposal.get("lengths"))))
                continue
            out.append((at, version(rec)))
            continue
        action = rec.get("action")
        if rec.get("event") == "operator" and isinstance(action, dict):
            out.append((at, Action.from_json(action)))
    return out


def replay_log(
    programme: Programme,
    start: datetime,
    actions: Sequence[Step],
    until: datetime,
    *,
    follow: bool = False,
) -> Replay:
    """The engine's `replay` (same steps, same state), keeping the events it produces.

    An action the engine refuses is skipped and marked: the log says it was
    applied, so that is a mismatch to report, not a reason to stop. `follow`:
    nobody was at the keys (a headless run's autopilot), so after the logged
    actions the show follows the plan up to `until` (manual turns and slots move
    on at their deadlines, as "operator" events with cause "autopilot"), as the
    run would have done had it not stopped.
    """
    state = new_show(programme, start)
    events: list[ShowEvent] = []
    rows = []
    refused: list[str] = []
    for at, action in actions:
        state, due = advance(state, at)
        events += due
        if isinstance(action, Lengths):
            try:
                action = action.apply(state.programme)
            except (KeyError, IndexError):
                refused.append(f"the proposal at {programme.local(at):%H:%M:%S}: no such slot")
                continue
        if isinstance(action, Programme):
            try:
                state, done = revise(state, action, at, by="replay")
            except TransitionError as exc:
                refused.append(f"the revision at {programme.local(at):%H:%M:%S}: {exc}")
                continue
            events += done
            continue
        live = programme.slots[state.live].id if state.live is not None else None
        try:
            state, done = apply(state, action, at)
        except TransitionError as exc:
            rows.append(ActionAt(at, action, live, refused=str(exc)))
            continue
        events += done
        rows.append(ActionAt(at, action, live, produced=tuple(done)))
    state, due = follow_plan(state, until) if follow else advance(state, until)
    return Replay(state, tuple(events + due), tuple(rows), tuple(refused))


def _key(kind: str, at: datetime | None, slot: object, turn: object) -> tuple[object, ...]:
    return (kind, at, slot, turn)


def _describe(key: tuple[object, ...], programme: Programme) -> str:
    kind, at, slot, turn = key
    when = f"{programme.local(at):%H:%M:%S}" if isinstance(at, datetime) else "?"
    what = f"{kind} {slot}" if slot else str(kind)
    if turn is not None:
        what += f" turn {int(str(turn)) + 1}"
    return f"{what} at {when}"


def compare(
    programme: Programme, records: Iterable[Mapping[str, Any]], replayed: Iterable[ShowEvent]
) -> tuple[list[str], int]:
    """Check that the logged show events are a prefix of the replayed ones.

    Returns the mismatches (the first difference only: the rest follows from
    it) and how many replayed structural events the log already holds.
    """
    logged = [
        _key(str(r["event"]), instant(r.get("at")), r.get("slot"), r.get("turn"))
        for r in records
        if r.get("record") == "event" and r.get("event") in STRUCTURAL
    ]
    replay = [_key(e.kind, e.at, e.slot, e.turn) for e in replayed if e.kind in STRUCTURAL]
    for a, b in zip(logged, replay, strict=False):
        if a != b:
            return [
                f"the log says {_describe(a, programme)}, "
                f"the replay gives {_describe(b, programme)}"
            ], len(logged)
    if len(logged) > len(replay):
        extra = _describe(logged[len(replay)], programme)
        return [f"the log has {len(logged) - len(replay)} event(s) the replay lacks: {extra}"], len(
            replay
        )
    return [], len(logged)
