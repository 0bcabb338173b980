"""What asks first: the one home of the questions an action needs answered before it acts.

The keyboard's dialogs and every remote surface (HTTP, OSC, MQTT commands) ask the
same questions, from here: `next`, `back`, `jump`, `hold`, `release`, OBS `resend`
and `auto`, and shortening when it would pass the live slot's deadline. A next turn,
a lengthening, a shortening that stays inside the deadline and a speaker message act
at once (the keyboard's `u` takes them back). Pure: a `Status` in, an `Ask` or None out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from timekeeper.core.outputs import describe_changes, jump_changes
from timekeeper.core.state import Action, ActionKind, Mode, Outcome
from timekeeper.core.status import Status

LISTED_SKIPS = 3  # more skipped slots than this are summed up: "N slots skipped: a, …, z"


@dataclass(frozen=True)
class Ask:
    """A question and the sentence under it (the dialog's two lines)."""

    question: str
    detail: str = ""

    def line(self) -> str:
        """The question as one line, for a remote surface's refusal."""
        return f"{self.question} {self.detail}".strip()


def _hm(instant: datetime, tz: tzinfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def ask_next(status: Status, tz: tzinfo) -> Ask | None:
    """Next slot now: what ends and what starts (None: nothing to ask; the engine decides)."""
    if status.mode is Mode.ENDED:
        return None
    live, nxt = status.live, status.next
    if live is not None and nxt is None:
        return Ask(
            f"End the show now? {live.slot.title} is the last slot.",
            "The show ends; nothing more starts by itself.",
        )
    if live is not None and nxt is not None:
        return Ask(f"Next slot now: start {nxt.slot.title}?", f"{live.slot.title} ends now.")
    if nxt is not None:
        return Ask(f"Start {nxt.slot.title} now?", f"It is planned for {_hm(nxt.slot.start, tz)}.")
    return None


def ask_extend(status: Status, minutes: float) -> Ask | None:
    """A shortening that would pass the live slot's own deadline asks; anything else acts."""
    cd = status.countdown
    left = cd.own_deadline - cd.now if cd is not None else None  # a cut does not move
    if minutes >= 0 or left is None or left > timedelta(minutes=-minutes):
        return None
    title = status.live.slot.title if status.live is not None else "The live slot"
    return Ask(
        f"Shorten {title} by {-minutes:g} min?",
        "Its deadline would pass: it ends now and the next slot follows its rule.",
    )


def ask_hold(held: bool) -> Ask:
    if held:
        return Ask(
            "Release the hold?",
            "Automatic advance resumes: a deadline already passed moves the show on now.",
        )
    return Ask(
        "Hold the show?",
        "Nothing moves on by itself — no deadlines, no hard starts — until released.",
    )


def ask_back() -> Ask:
    return Ask(
        "Go back: undo the last advance?",
        "The slot or speaker turn before it returns, with its original start.",
    )


def skipped_titles(titles: list[str]) -> str:
    """The skipped slots in one sentence, bounded however many there are."""
    if not titles:
        return "Nothing is skipped."
    if len(titles) <= LISTED_SKIPS:
        return f"Skipped: {', '.join(titles)}."
    return f"{len(titles)} slots skipped: {titles[0]}, …, {titles[-1]}."


def ask_jump(status: Status, slot_id: str, *, sent: bool) -> Ask | None:
    """Jump to `slot_id` now: what ends, what is skipped, what the outputs do (None: no such
    slot still to come; the engine says why)."""
    target = next((v for v in status.slots if v.slot.id == slot_id), None)
    if target is None:
        return None
    skipped = [
        v.slot.title
        for v in status.slots
        if v.outcome is Outcome.PENDING and v.index < target.index
    ]
    ending = f"{status.live.slot.title} ends now. " if status.live is not None else ""
    outputs = describe_changes(jump_changes(status, target.index), sent=sent)
    detail = ending + skipped_titles(skipped)
    detail += " " + (outputs or "Stream and recording stay as they are.")
    return Ask(f"Jump to {target.slot.title} now?", detail)


def ask_obs(command: str, auto_switch: bool | None = None) -> Ask:
    """OBS `resend` (the live scene) or `auto` (switching on/off; None: state unknown)."""
    if command == "resend":
        return Ask(
            "Re-send the live slot's scene to OBS now?",
            "OBS switches its program scene, even if someone chose another by hand.",
        )
    turn = {None: "off or on", True: "off", False: "on"}[auto_switch]
    return Ask(
        f"Turn automatic scene switching {turn}?",
        "Off: OBS keeps whatever scene it shows at the next boundary.",
    )


def ask(status: Status, action: Action, tz: tzinfo, *, sent: bool) -> Ask | None:
    """What `action` asks before it acts on `status` (None: it acts at once)."""
    kind = action.kind
    if kind is ActionKind.NEXT:
        return ask_next(status, tz)
    if kind is ActionKind.EXTEND:
        return ask_extend(status, action.minutes)
    if kind in (ActionKind.HOLD, ActionKind.RELEASE):
        return ask_hold(kind is ActionKind.RELEASE)
    if kind is ActionKind.BACK:
        return ask_back()
    if kind is ActionKind.JUMP:
        return ask_jump(status, action.slot or "", sent=sent)
    return None
