"""`timekeeper export PROGRAMME --format ics|schedule-json|schedule-xml|csv [-o FILE]`.

The programme is loaded (and so validated) first; an invalid one is reported
as `check` reports it (exit 2). One module per format in timekeeper/interop/.
schedule.json and schedule.xml name the zone as c3voc's schema wants it
(`interop.zones.exportable`), else they are written in UTC; the file is
replaced whole (atomicfile).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from timekeeper.atomicfile import write_file
from timekeeper.core.programme import Programme
from timekeeper.errors import UsageError
from timekeeper.interop import csvio, export_json, export_xml, ics, zones
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.loader import load_programme


def _nameable(programme: Programme) -> Programme:
    """The programme in a zone c3voc's schema accepts: its own, else UTC (same instants)."""
    zone = programme.event.timezone
    if zones.exportable(zone):
        return programme
    print(
        f"note: {zone} is not an Area/City zone c3voc's schema accepts, so the schedule is "
        f"written in UTC (the same instants); set event.timezone to the venue's zone "
        "(e.g. Europe/Berlin) to export local times",
        file=sys.stderr,
    )
    return replace(programme, event=replace(programme.event, timezone="UTC"))


def run_export(args: argparse.Namespace) -> int:
    try:
        programme = load_programme(args.programme)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    if args.format in ("schedule-json", "schedule-xml"):
        programme = _nameable(programme)
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
