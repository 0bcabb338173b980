"""Checking the programme's OBS names over a connected port: scenes, transitions, text sources.

Owns the preflight's result (`PreflightReport`, `NameCheck`, `Unreachable`),
the names a programme uses (`programme_names`), the closest existing name for
a missing one (`closest`: the usual cause is a typo or a renamed scene), and
`check_names` over any `ObsPort`. It must not connect to OBS itself (that is
`preflight.preflight`, with the real client), so that the controller, and the
dashboard through it, can use it without importing the client.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from timekeeper.core.programme import Programme
from timekeeper.obs.port import ObsInfo, ObsPort


class Unreachable(StrEnum):
    REFUSED = "refused"  # nothing listens / cannot reach the host
    AUTH = "auth"  # wrong or missing password
    TIMEOUT = "timeout"  # no answer in time
    ERROR = "error"  # anything else (not obs-websocket, request failed, ...)


@dataclass(frozen=True)
class NameCheck:
    """One name the programme uses, and whether OBS has it."""

    kind: str  # scene | transition | text source
    name: str
    found: bool
    used_by: tuple[str, ...] = ()  # slot ids (or "obs" for the programme-wide settings)
    suggestion: str | None = None  # closest existing name when missing

    def describe(self) -> str:
        where = f" (used by {', '.join(self.used_by)})" if self.used_by else ""
        if self.found:
            return f"ok       {self.kind} {self.name!r}{where}"
        hint = f" — did you mean {self.suggestion!r}?" if self.suggestion else ""
        return f"MISSING  {self.kind} {self.name!r}{where}{hint}"


@dataclass(frozen=True)
class PreflightReport:
    url: str
    reachable: bool
    error: str | None = None
    error_kind: Unreachable | None = None
    info: ObsInfo | None = None
    checks: tuple[NameCheck, ...] = ()
    scenes_in_obs: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[NameCheck, ...]:
        return tuple(c for c in self.checks if not c.found)

    @property
    def ok(self) -> bool:
        return self.reachable and not self.missing

    def lines(self) -> list[str]:
        """The report as printable lines (never contains the password)."""
        if not self.reachable:
            return [f"OBS at {self.url}: cannot check ({self.error_kind}): {self.error}"]
        out = [f"OBS at {self.url}"]
        if self.info is not None:
            out[0] += f": OBS {self.info.obs_version}, obs-websocket {self.info.websocket_version}"
        out += ["  " + c.describe() for c in self.checks]
        if not self.checks:
            out.append("  the programme names no scenes, transitions or text sources")
        n = len(self.missing)
        out.append(f"  {n} missing" if n else "  everything the programme names exists")
        return out


def programme_names(programme: Programme) -> dict[tuple[str, str], list[str]]:
    """(kind, name) -> ids of the slots using it, in programme order."""
    used: dict[tuple[str, str], list[str]] = {}

    def add(kind: str, name: str | None, user: str) -> None:
        if name:
            users = used.setdefault((kind, name), [])
            if user not in users:
                users.append(user)

    settings = programme.obs
    if settings.transition is not None:
        add("transition", settings.transition.name, "obs")
    for source, _ in settings.texts:
        add("text source", source, "obs")
    for slot in programme.slots:
        add("scene", slot.scene, slot.id)
        if slot.transition is not None:
            add("transition", slot.transition.name, slot.id)
        for source, _ in slot.texts:
            add("text source", source, slot.id)
    return used


def scene_uses(programme: Programme) -> dict[str, tuple[str, ...]]:
    """Scene -> the ids of the slots that name it (what the controller watches in OBS)."""
    return {
        name: tuple(users)
        for (kind, name), users in programme_names(programme).items()
        if kind == "scene"
    }


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The existing name most like `name` (case-insensitive), if any is reasonably close."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[match[0]] if match else None


async def check_names(port: ObsPort, programme: Programme) -> PreflightReport:
    """Check the names against an already connected port (used by `timekeeper run`)."""
    scenes = (await port.get_scene_list()).scenes
    transitions = (await port.get_transition_list()).names
    inputs = tuple(i.name for i in await port.get_input_list())
    existing = {"scene": scenes, "transition": transitions, "text source": inputs}
    order = {"scene": 0, "transition": 1, "text source": 2}
    checks = []
    for (kind, name), users in sorted(
        programme_names(programme).items(), key=lambda item: order[item[0][0]]
    ):
        found = name in existing[kind]
        checks.append(
            NameCheck(
                kind=kind,
                name=name,
                found=found,
                used_by=tuple(users),
                suggestion=None if found else closest(name, existing[kind]),
            )
        )
    return PreflightReport(url=port.url, reachable=True, checks=tuple(checks), scenes_in_obs=scenes)
