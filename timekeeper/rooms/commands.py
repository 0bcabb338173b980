"""What a room accepts from its `commands` topic, and nothing else.

A command is a JSON object `{"command": "message", "text": "...", "flash": false}`.
Only the commands the room's configuration allows (by default `message`, a speaker
message) are carried out; anything else — unknown, not allowed, malformed, too
long — is refused with a reason the room publishes on its `events` topic and shows
the operator. Each accepted command goes through the session like a key would.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from timekeeper.core.engine import Action, ActionKind
from timekeeper.errors import TransitionError
from timekeeper.runtime.session import ShowSession

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


class Refused(ValueError):
    """A command the room does not carry out; str() says why."""


def parse_command(payload: bytes, allowed: Collection[str]) -> Command:
    """The command in `payload` if the room allows it; Refused otherwise."""
    if len(payload) > MAX_COMMAND_BYTES:
        raise Refused(f"command larger than {MAX_COMMAND_BYTES} bytes")
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
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
        if not -10 <= minutes <= 10 or minutes == 0:
            raise Refused("extend: 'minutes' must be from -10 to 10, not 0")
        return Command(name, minutes=float(minutes), sender=sender)
    return Command(name, sender=sender)


def carry_out(command: Command, session: ShowSession) -> str:
    """Apply an accepted command; what it did, for the log. Refused if the show cannot."""
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
    try:
        session.act(action)
    except TransitionError as exc:
        raise Refused(str(exc)) from None
    return f"{command.name} done"
