"""`timekeeper check PROGRAMME --obs`: is OBS ready for this programme?

Reads the password from the environment variable the programme names (never
from the YAML, never printed), runs the preflight and prints what is found,
what is missing (with the closest existing name) or why OBS could not be
reached. Exit 0 when everything exists, 2 otherwise.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TextIO

from timekeeper.core.programme import Programme
from timekeeper.obs.preflight import PreflightReport, Unreachable, preflight

EXIT_OK = 0
EXIT_PROBLEM = 2


def run_obs_check(
    programme: Programme, url_override: str | None, *, out: TextIO | None = None
) -> int:
    """Check OBS against the programme; print the report; 0 if all present, else 2."""
    stream = out if out is not None else sys.stdout
    settings = programme.obs
    url = url_override or settings.url
    password, note = _password(settings.password_env)
    if not settings.configured and url_override is None:
        print(f"note: the programme has no obs: section; checking {url}", file=stream)
    report = asyncio.run(preflight(programme, url, password))
    for line in report.lines():
        print(line, file=stream)
    if note and (report.reachable is False and report.error_kind is Unreachable.AUTH):
        print(f"  note: {note}", file=stream)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _password(password_env: str | None) -> tuple[str | None, str | None]:
    """The password from the environment (None if unset) and a note on where it came from."""
    if not password_env:
        return None, "the programme names no obs.password_env, so no password was sent"
    value = os.environ.get(password_env)
    if value is None:
        return None, f"the environment variable {password_env} is not set"
    return value, None


__all__ = ["PreflightReport", "run_obs_check"]
