"""`timekeeper export PROGRAMME --format ics|schedule-json|schedule-xml|csv [-o FILE]`.

The programme is loaded (and so validated) first; an invalid one is reported
as `check` reports it (exit 2). One module per format in timekeeper/interop/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timekeeper.atomicfile import write_file
from timekeeper.errors import UsageError
from timekeeper.interop import csvio, export_json, export_xml, ics
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.loader import load_programme


def run_export(args: argparse.Namespace) -> int:
    try:
        programme = load_programme(args.programme)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.format == "ics":
        data = ics.write(programme)
    elif args.format == "schedule-json":
        data = export_json.write(programme).encode("utf-8")
    elif args.format == "schedule-xml":
        data = export_xml.write(programme).encode("utf-8")
    else:
        data = csvio.write(programme).encode("utf-8")
    if not args.output:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        write_file(Path(args.output), data)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
