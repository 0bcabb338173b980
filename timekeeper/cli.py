"""Command line: parse arguments, hand each subcommand to its module, map errors to exit codes.

Each subcommand's work lives in its own module (imported lazily so `check` never
pays for Textual); this file only knows the words of the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from timekeeper import __version__
from timekeeper.errors import TimekeeperError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error names the fix and exits 2 without a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.stderr.write(f"Try '{self.prog} --help' for the options.\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="timekeeper",
        description="Run the clock of a live hybrid event and drive its OBS stream.",
    )
    parser.add_argument("--version", action="version", version=f"timekeeper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="validate a programme and print its timeline")
    check.add_argument("programme", metavar="PROGRAMME", help="path to programme.yaml")
    check.add_argument(
        "--obs", action="store_true", help="also connect to OBS and check every scene it names"
    )
    check.add_argument("--obs-url", metavar="URL", help="OBS websocket URL (overrides obs.url)")

    schema = sub.add_parser("schema", help="print the JSON Schema of programme.yaml")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _dispatch(args)
    except TimekeeperError as exc:
        print(f"timekeeper: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        from timekeeper.commands.check import run_check

        return run_check(args)
    if args.command == "schema":
        from timekeeper.commands.schema import run_schema

        return run_schema(args)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
