"""`timekeeper schema [--venue] [-o FILE]`: the JSON Schema of programme.yaml (or venue.yaml)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timekeeper.atomicfile import write_file
from timekeeper.programme.schema import schema_text


def run_schema(args: argparse.Namespace) -> int:
    """Print the schema, or write it to args.output; 2 if the file cannot be written."""
    if getattr(args, "venue", False):
        from timekeeper.rooms.model import venue_schema_text

        text = venue_schema_text()
    else:
        text = schema_text()
    output: str | None = getattr(args, "output", None)
    if not output:
        sys.stdout.write(text)
        return 0
    try:
        write_file(Path(output), text)
    except OSError as exc:
        print(f"timekeeper: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {output}", file=sys.stderr)
    return 0
