"""`timekeeper report LOG`: planned versus actual, from an as-run log.

Kept small on purpose: reading, replaying and rendering live in
timekeeper.asrun; this only finds the programme the log names and writes the
text where asked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timekeeper.asrun.log import LogContents, LogFormatError, read_log
from timekeeper.asrun.report import build_report, render
from timekeeper.atomicfile import write_file
from timekeeper.core.programme import Programme
from timekeeper.errors import ProgrammeError, TimekeeperError


def run_report(args: argparse.Namespace) -> int:
    contents = read_log(Path(args.log))
    programme = _programme(contents)
    report = build_report(contents, programme)
    for warning in report.warnings:
        print(f"timekeeper: warning: {warning}", file=sys.stderr)
    text = render(report, programme, args.format)
    if args.output:
        try:
            write_file(Path(args.output), text)
        except OSError as exc:
            raise TimekeeperError(f"cannot write the report to {args.output}: {exc}") from exc
    else:
        sys.stdout.write(text)
    return 0


def _programme(contents: LogContents) -> Programme:
    """The programme the log's header names: beside the runs/ folder, else its absolute path."""
    if contents.header is None:
        raise LogFormatError(f"{contents.path} has no run header: there is nothing to report")
    candidates = contents.header.programme_candidates(contents.path)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        tried = " or ".join(str(p) for p in candidates) or "(no path in the log)"
        raise ProgrammeError(
            f"the programme of {contents.path} was not found at {tried}: "
            "put the programme file back there (the report needs its planned times)"
        )
    from timekeeper.programme.loader import (  # type: ignore[import-not-found,unused-ignore]
        load_programme,
    )

    programme: Programme = load_programme(found)
    return programme
