"""What a room accepts from its `commands` topic, and nothing else.

A command is a JSON object `{"command": "message", "text": "...", "flash": false}`.
Only the commands the room's configuration allows (by default `message`, a speaker
message) are carried out; anything else — unknown, not allowed, malformed, too
long — is refused with a reason the room publishes on its `events` topic and shows
the operator. Each accepted command goes through the run's gate like a key or an
API request would (`control/gate.py`, `core/asks.py`): `hold` and `release`, and an
`extend` that would pass the live slot's deadline, ask first — they need
`"confirm": true`, else they are refused with the question; `"from_slot": "<id>"`
states the slot the sender means to act on (refused when it is no longer live; `from`
is the sender's name); and a second `next_turn`/`extend`/`hold`/`release` within the
keyboard's burst gap of the room's last one is refused as a burst. A payload is
bounded (2 KB, nesting, finite numbers) and a malformed one is refused, never raised.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from timekeeper.control.gate import gate_for, precondition
from timekeeper.core.asks import ask
from timekeeper.core.engine import Action, ActionKind
from timekeeper.errors import TransitionError
from timekeeper.show.session import ShowSession

MAX_COMMAND_BYTES = 2048
MAX_MESSAGE_CHARS = 280
KNOWN = ("message", "next_turn", "extend", "hold", "release")


@dataclass(frozen=True)
class Command:
    name: str
    text: str = ""
    flash: bool = False
    minutes: float = 1.0
    sender: str | None = None  # who says they sent it (shown, not trusted)
    confirm: bool = False  # the sender answered the keyboard's question
    from_slot: str | None = None  # the slot the sender believes is live (None: not said)


class Refused(ValueError):
    """A command the room does not carry out; str() says why."""


def parse_command(payload: bytes, allowed: Collection[str]) -> Command:
    """The command in `payload` if the room allows it; Refused otherwise."""
    if len(payload) > MAX_COMMAND_BYTES:
        raise Refused(f"command larger than {MAX_COMMAND_BYTES} bytes")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused("not a JSON object") from None
    if not isinstance(data, dict) or not isinstance(data.get("command"), str):
        raise Refused("expected a JSON object with a 'command' name")
    name = data["command"]
    if name not in KNOWN:
        raise Refused(f"unknown command {name[:40]!r}")
    if name not in allowed:
        raise Refused(f"command {name!r} is not allowed in this room (allowed: "
                      f"{', '.join(sorted(allowed)) or 'none'})")  # fmt: skip
    sender = data.get("from")
    sender = sender[:60] if isinstance(sender, str) else None
    confirm, from_slot = data.get("confirm", False), data.get("from_slot")
    if not isinstance(confirm, bool):
        raise Refused("'confirm' must be true or false")
    if from_slot is not None and (not isinstance(from_slot, str) or len(from_slot) > 200):
        raise Refused("'from_slot' must be the id of the slot you believe is live")
    if name == "message":
        text, flash = data.get("text", ""), data.get("flash", False)
        if not isinstance(text, str) or not isinstance(flash, bool):
            raise Refused("message: 'text' must be text and 'flash' true or false")
        if len(text) > MAX_MESSAGE_CHARS:
            raise Refused(f"message longer than {MAX_MESSAGE_CHARS} characters")
        return Command(name, text=text, flash=flash, sender=sender)
    if name == "extend":
        minutes = data.get("minutes", 1)
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            raise Refused("extend: 'minutes' must be a number")
        if not -10 <= minutes <= 10 or minutes == 0:  # also NaN, and integers of any size
            raise Refused("extend: 'minutes' must be from -10 to 10, not 0")
        return Command(name, minutes=float(minutes), sender=sender, confirm=confirm,
                       from_slot=from_slot)  # fmt: skip
    return Command(name, sender=sender, confirm=confirm, from_slot=from_slot)


def carry_out(command: Command, session: ShowSession, surface: str = "mqtt") -> str:
    """Apply an accepted command through the run's gate; what it did, for the log.
    Refused if the show cannot, if it asks first and was not confirmed, or as a burst."""
    if command.name == "message":
        session.set_message(command.text, command.flash)
        return "speaker message cleared" if not command.text.strip() else "speaker message set"
    kinds = {
        "next_turn": ActionKind.NEXT_TURN,
        "extend": ActionKind.EXTEND,
        "hold": ActionKind.HOLD,
        "release": ActionKind.RELEASE,
    }
    action = Action(kinds[command.name], minutes=command.minutes if command.name == "extend" else 0)
    gate, clock = gate_for(session)
    session.tick()  # what was due before the command happened before it (not a move past it)
    now = clock()
    why = gate.refusal(surface, now, now) or precondition(session, command.from_slot)
    if why is not None:
        raise Refused(why)
    question = ask(session.status(), action, session.programme.tz, sent=False)
    if question is not None and not command.confirm:
        raise Refused(f'{command.name} asks first: {question.line()} Send "confirm": true')
    try:
        session.act(action, source=surface)
    except TransitionError as exc:
        raise Refused(str(exc)) from None
    except Exception as exc:  # one command's bug must not end the room's broker link
        session.failed("a room command", exc)
        raise Refused("internal error: the diagnostics log has the details") from None
    gate.acted(surface, clock())
    return f"{command.name} done"
