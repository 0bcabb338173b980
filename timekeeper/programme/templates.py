"""Templates of the OBS text sources a slot keeps up to date, e.g. "{speaker}".

Placeholders are checked when the programme is loaded: a typo such as
`{speakr}` would otherwise only show up on the stream, in front of everyone.
"""

from __future__ import annotations

import difflib
from string import Formatter

#: The placeholders a text template may use, and what each one shows.
TEXT_PLACEHOLDERS: dict[str, str] = {
    "title": "the live slot's title",
    "speaker": "the live turn's speaker, or the slot's speakers",
    "next_title": "the next slot's title",
    "next_start": "the next slot's expected start (HH:MM, event timezone)",
    "remaining": (
        "the live slot's countdown as the speaker screens read it (04:59, 1:02:05, +00:35 "
        "in overtime), or between slots the wait until the next one; when a coming hard "
        "start cuts the live slot, the time left until that start"
    ),
    "cut": (
        "what {remaining} counts to while a coming hard start cuts the live slot "
        "('until Reception, 17:30 — hard start'), else empty"
    ),
}


def check_template(template: str) -> str:
    """Return the template unchanged, or ValueError naming the bad placeholder."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in Formatter().parse(template)]
    except ValueError as exc:
        raise ValueError(
            f"cannot read the template {template!r}: {exc}; write {{{{ and }}}} for literal braces"
        ) from None
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in TEXT_PLACEHOLDERS:
            raise ValueError(_unknown(name))
        if spec or conversion:
            raise ValueError(f"placeholders take no format: write {{{name}}}")
    return template


def _unknown(name: str) -> str:
    known = ", ".join(f"{{{key}}}" for key in TEXT_PLACEHOLDERS)
    if not name:
        return f"empty placeholder {{}}; expected one of {known}"
    close = difflib.get_close_matches(name, list(TEXT_PLACEHOLDERS), n=1, cutoff=0.6)
    hint = f"; did you mean {{{close[0]}}}?" if close else f"; expected one of {known}"
    return f"unknown placeholder {{{name}}}{hint}"
