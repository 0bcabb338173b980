"""`timekeeper check FILE [--obs] [--log RUNLOG]`: validate a programme and print its timeline.

Exit codes: 0 valid (warnings allowed), 2 invalid. With `--log`, the difference
from a running show instead of the timeline (`check_running`: 1 if the show
would refuse it). Problems go to stderr as
`FILE:LINE:COL: severity: message`, one per line, all of them at once; the
timeline goes to stdout, so `check FILE > timeline.txt` keeps just the table.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import cast

from timekeeper.core.programme import Programme
from timekeeper.core.text import inert
from timekeeper.programme.diagnostics import Diagnostic, InvalidProgrammeError, Severity
from timekeeper.programme.loader import load_programme, load_programme_with_warnings
from timekeeper.programme.table import render_timeline

EXIT_OK = 0
EXIT_INVALID = 2

ObsCheck = Callable[[Programme, "str | None"], int]


def run_check(args: argparse.Namespace) -> int:
    """Validate args.programme; with args.obs, also run the OBS preflight on the result."""
    path: str = args.programme
    from timekeeper.rooms.venue import is_venue_file

    if is_venue_file(path):
        from timekeeper.commands.check_venue import run_venue_check

        return run_venue_check(path)
    if getattr(args, "log", None):
        from timekeeper.commands.check_running import check_against_run

        code = check_against_run(path, args.log)
        if code != EXIT_INVALID and getattr(args, "obs", False):
            code = max(code, _obs_check(load_programme(path), getattr(args, "obs_url", None)))
        return code
    try:
        programme, warnings = load_programme_with_warnings(path)
    except InvalidProgrammeError as exc:
        _print_problems(exc.problems)
        print(_summary(path, exc.problems), file=sys.stderr)
        return EXIT_INVALID
    _print_problems(warnings)
    sys.stdout.write(inert(render_timeline(programme), lines=True))  # titles are typed by anyone
    print(_summary(path, warnings), file=sys.stderr if warnings else sys.stdout)
    code = EXIT_OK
    if getattr(args, "obs", False):
        code = max(code, _obs_check(programme, getattr(args, "obs_url", None)))
    return code


def _print_problems(problems: list[Diagnostic]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _summary(path: str, problems: list[Diagnostic]) -> str:
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if errors:
        return f"{path}: invalid: {_count(errors, 'error')}, {_count(warnings, 'warning')}"
    return f"{path}: valid, {_count(warnings, 'warning')}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _obs_check(programme: Programme, url: str | None) -> int:
    """The OBS preflight lives in its own module (and needs simpleobsws): load it on demand."""
    try:
        module = importlib.import_module("timekeeper.commands.check_obs")
        run_obs_check = cast(ObsCheck, module.run_obs_check)
    except (ImportError, AttributeError):
        print("OBS preflight is not available in this build", file=sys.stderr)
        return EXIT_INVALID
    return run_obs_check(programme, url)
