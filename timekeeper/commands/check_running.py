"""`timekeeper check PROGRAMME --log RUNLOG`: what saving PROGRAMME would do to a running show.

Owns the check against a run's as-run log (docs/changes.md): the show is
rebuilt read-only from RUNLOG as a restart would (the logged actions and
revisions replayed with the versions kept beside the log, up to now; a
rehearsal's pretend clock continues), then the file is checked exactly as the
running show's programme watch checks it (`runtime.changes.check_file`): the
difference from the version the show last ran under, and whether it would be
accepted or refused (and why). Nothing is written, nor locked: the show may be
running.

Exit codes: 0 valid and the running show would accept it (or it is the running
version), 1 valid but the running show would refuse it, 2 trouble (the file
invalid, as `check` prints it; the log unreadable or not of this programme).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from timekeeper.asrun.errors import AsRunError
from timekeeper.asrun.reader import read_log
from timekeeper.asrun.recover import describe_position, last_version, resume
from timekeeper.core.clock import Clock, SystemClock
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.loader import load_programme
from timekeeper.show.changes import ChangeKind, check_file
from timekeeper.show.session import ShowSession

EXIT_ACCEPTED = 0
EXIT_REFUSED = 1
EXIT_TROUBLE = 2


def check_against_run(
    programme_path: str,
    log_path: str,
    *,
    clock: Clock | None = None,
    real_clock: Clock | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print what the running show logged in `log_path` would make of `programme_path` now."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    real_clock = real_clock if real_clock is not None else SystemClock()
    clock = clock if clock is not None else real_clock
    try:
        programme = load_programme(programme_path)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        print(f"{programme_path}: invalid: the running show would keep its plan", file=err)
        return EXIT_TROUBLE
    log = Path(log_path).expanduser()
    if log.is_dir():
        print(
            f"{log}: is a folder: give the as-run log file itself "
            "(the dashboard shows it as 'as-run log: …' when the run starts)",
            file=err,
        )
        return EXIT_TROUBLE
    try:
        contents = read_log(log)
        resumed = resume(log, programme, clock, real_clock=real_clock, contents=contents)
    except AsRunError as exc:
        print(f"cannot rebuild the show from {log}: {exc}", file=err)
        return EXIT_TROUBLE
    for line in (*resumed.warnings, *resumed.mismatches):
        print(f"{log}: warning: {line}", file=err)
    state = resumed.state
    session = ShowSession(state.programme, resumed.clock, state=state, catch_up=False)
    sha = last_version(contents) or "?"
    when = state.programme.local(state.as_of)
    print(
        f"{log}: the show runs under sha256 {sha[:12]}…; at {when:%H:%M:%S}: "
        f"{describe_position(state)}",
        file=out,
    )
    check = check_file(session, programme_path)
    if check.kind is ChangeKind.UNCHANGED:
        print(f"{programme_path}: the version the show runs under: no difference", file=out)
        return EXIT_ACCEPTED
    for line in check.lines:
        print(line, file=out if check.kind is ChangeKind.OFFERED else err)
    if check.kind is ChangeKind.REFUSED:
        print(f"{programme_path}: the running show would refuse it (its plan stays)", file=err)
        return EXIT_REFUSED
    if check.kind is ChangeKind.INVALID:  # changed on disk since it was loaded above
        return EXIT_TROUBLE
    print(
        f"{programme_path}: the running show would accept it "
        "(the dashboard offers it when the file is saved; y accepts)",
        file=out,
    )
    return EXIT_ACCEPTED
