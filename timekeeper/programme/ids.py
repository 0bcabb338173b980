"""Slot ids: stable names for slots, given or made from the title.

Ids name slots in the as-run log and in operator commands ("jump to panel"),
so an explicit id is kept as written, and a derived one only depends on the
title (plus a counter when two slots share a title).
"""

from __future__ import annotations

import re
import unicodedata


def slugify(title: str) -> str:
    """'Q&A with the participants' -> 'q-a-with-the-participants'; '' when nothing is left."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:64].strip("-")


def derive_ids(explicit: list[str | None], titles: list[str]) -> list[str]:
    """An id for every slot: explicit ones as given, the others from the title, made unique.

    A derived id never takes an id given explicitly anywhere in the programme, so
    adding a slot elsewhere cannot steal the name of one that has an explicit id.
    """
    taken = {given for given in explicit if given}
    result: list[str] = []
    for index, (given, title) in enumerate(zip(explicit, titles, strict=True)):
        if given:
            result.append(given)
            continue
        base = slugify(title) or f"slot-{index + 1}"
        candidate, counter = base, 2
        while candidate in taken:
            candidate, counter = f"{base}-{counter}", counter + 1
        taken.add(candidate)
        result.append(candidate)
    return result
