"""`timekeeper plan PROGRAMME --late 7m --at 16:17`: rehearse the running-late decision.

Prints the proposal the running show would offer if it were `--late` behind at
`--at` (the slot live at `--at` minus `--late` ran over; docs/running-late.md),
one line per change, then the difference as the dashboard's change dialog shows
it: a team agrees on its policy before show day. Exit 0: the proposal meets
every target (or there is nothing to propose); 1: it still overruns; 2: trouble.
"""

from __future__ import annotations

import argparse
import sys

from timekeeper.app.run_options import parse_at
from timekeeper.core.diff import running_diff
from timekeeper.core.proposal import propose
from timekeeper.core.rehearse import NotLive, late_show
from timekeeper.core.revise import revise
from timekeeper.errors import UsageError
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.difftext import hhmm, mmss, render_diff
from timekeeper.programme.durations import parse_duration
from timekeeper.programme.loader import load_programme
from timekeeper.programme.proposaltext import explain, headline

EXIT_MEETS = 0
EXIT_OVERRUNS = 1
EXIT_TROUBLE = 2


def run_plan(args: argparse.Namespace) -> int:
    try:
        programme = load_programme(args.programme)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{args.programme}: invalid, nothing planned", file=sys.stderr)
        return EXIT_TROUBLE
    try:
        late = parse_duration(args.late)
    except ValueError as exc:
        raise UsageError(f"--late: {exc}") from None
    if late.total_seconds() <= 0:
        raise UsageError("--late: give how late the show runs, e.g. 7m")
    at = parse_at(args.at, programme)
    try:
        state = late_show(programme, late, at)
    except NotLive as exc:
        raise UsageError(f"--at/--late: {exc}") from None
    live = state.programme.slots[state.position].title if state.live is not None else "nothing"
    print(f"{args.programme}: {mmss(late)} late at {hhmm(programme, at)} ({live} is live)")
    proposal = propose(state, at)
    if proposal is None:
        threshold = mmss(programme.late.threshold)
        print(f"no proposal: every hard start and the end of the show are met within {threshold}")
        return EXIT_MEETS
    print(headline(proposal, programme))
    for line in explain(proposal, programme):
        print(f"  {line}")
    revised, _ = revise(state, proposal.programme, at, by="plan")
    print("as a revision:")
    diff = running_diff(state, revised, at)
    for line in render_diff(diff, state.programme, revised.programme):
        print(f"  {line}")
    return EXIT_MEETS if proposal.overrun.total_seconds() == 0 else EXIT_OVERRUNS
