"""`timekeeper diff OLD NEW`: what changes between two versions of a programme, for review.

Exit codes as `diff(1)`: 0 no difference, 1 different, 2 trouble (a file
missing or invalid: its problems are printed as `check` prints them).
"""

from __future__ import annotations

import argparse
import sys

from timekeeper.core.diff import planned_diff
from timekeeper.core.programme import Programme
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.loader import load_programme

EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_TROUBLE = 2


def run_diff(args: argparse.Namespace) -> int:
    old = _load(args.old)
    new = _load(args.new)
    if old is None or new is None:
        return EXIT_TROUBLE
    d = planned_diff(old, new)
    print(f"{args.old} -> {args.new}")
    for line in render_diff(d, old, new):
        print(line)
    return EXIT_SAME if d.same else EXIT_DIFFERENT


def _load(path: str) -> Programme | None:
    try:
        return load_programme(path)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: invalid, nothing compared", file=sys.stderr)
        return None
