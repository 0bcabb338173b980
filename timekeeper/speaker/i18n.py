"""The speaker screens' words in the speaker's language: one JSON file per language.

The files live in `static/i18n/<lang>.json` so that the browser page fetches the
very same file (`/i18n/<lang>.json`) the terminal screen reads here: one home per
translation, for both screens. Each file holds `strings`, a template per key
(`"Next: {title} at {time}"`), the writing direction, and the time-of-day pattern
(`{HH}:{MM}`, French `{H} h {MM}`). English is the reference: a language missing a
key fails the completeness test, and at run time falls back to English rather than
show a raw key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "nl", "de", "fr", "es", "pt", "ar")  # English first: the reference
DEFAULT = "en"


class UnknownLanguage(ValueError):
    """A language code timekeeper has no file for (the message lists those it has)."""


@dataclass(frozen=True)
class Strings:
    """One language's words; `t(key, **fields)` fills a template."""

    lang: str
    name: str
    rtl: bool
    table: dict[str, str]

    def t(self, key: str, **fields: str) -> str:
        template = self.table.get(key)
        if template is None:
            template = english().table[key]
        return template.format(**fields)

    def time(self, instant: datetime) -> str:
        """Hours and minutes as this language writes them (`17:10`, `17 h 10`, `17h10`)."""
        hour, minute = instant.hour, instant.minute
        return self.t("time", HH=f"{hour:02d}", H=str(hour), MM=f"{minute:02d}")


def _read(lang: str) -> dict[str, Any]:
    path = resources.files("timekeeper.speaker").joinpath("static", "i18n", f"{lang}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def strings(lang: str = DEFAULT) -> Strings:
    """The words of `lang` (a code from LANGUAGES; `nl-BE` reads as `nl`)."""
    code = normalise(lang)
    data = _read(code)
    table = {str(k): str(v) for k, v in data["strings"].items()}
    return Strings(lang=code, name=str(data["name"]), rtl=data["dir"] == "rtl", table=table)


def english() -> Strings:
    return strings(DEFAULT)


def normalise(lang: str) -> str:
    """`nl`, `NL`, `nl-BE`, `nl_BE` → `nl`; anything else raises UnknownLanguage."""
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    if code not in LANGUAGES:
        raise UnknownLanguage(
            f"no speaker-screen language '{lang}': choose one of {', '.join(LANGUAGES)}"
        )
    return code
