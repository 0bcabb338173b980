"""Command line: parse arguments, hand each subcommand to its module, map errors to exit codes.

Each subcommand's work lives in its own module (imported lazily so `check` never
pays for Textual); this file only knows the words of the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from timekeeper import __version__, cliargs
from timekeeper.errors import TimekeeperError
from timekeeper.speaker.urls import DEFAULT_PORT, DEFAULT_URL


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that names the fix, and exits 2 (no traceback,
    no usage dump burying the line that matters)."""

    def error(self, message: str) -> None:  # type: ignore[override]
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
    check.add_argument(
        "programme", metavar="PROGRAMME", help="path to programme.yaml or venue.yaml"
    )
    check.add_argument(
        "--obs", action="store_true", help="also connect to OBS and check every scene it names"
    )
    check.add_argument(
        "--obs-url",
        metavar="URL",
        type=cliargs.obs_url,
        help="OBS websocket URL (overrides obs.url)",
    )
    check.add_argument(
        "--log",
        metavar="RUNLOG",
        help="a running show's as-run log: the difference from the version it runs under, "
        "and whether it would accept the file (exit 1 if it would refuse it)",
    )

    diff = sub.add_parser(
        "diff", help="what changes between two versions of a programme (exit 1 if any)"
    )
    diff.add_argument("old", metavar="OLD", help="the programme as it was")
    diff.add_argument("new", metavar="NEW", help="the programme as it is now")

    plan = sub.add_parser("plan", help="the running-late proposal for a delay (exit 1: overruns)")
    plan.add_argument("programme", metavar="PROGRAMME", help="path to programme.yaml")
    plan.add_argument("--late", required=True, metavar="DURATION", help="how late, e.g. 7m")
    plan.add_argument("--at", required=True, metavar="HH:MM", help="when, e.g. 16:17")

    run = sub.add_parser("run", help="run the show: operator dashboard (or --headless)")
    run.add_argument(
        "programme", metavar="PROGRAMME", help="path to programme.yaml, or venue.yaml with --room"
    )
    run.add_argument("--room", metavar="NAME", help="the venue's room to run (publishes to --mqtt)")
    run.add_argument("--mqtt", metavar="URL", help="the venue's broker, mqtt://HOST[:PORT]")
    run.add_argument("--venue", metavar="NAME", help="venue name on the broker (with --mqtt)")
    run.add_argument(
        "--standby",
        nargs="?",
        const="auto",
        choices=("auto", "armed"),
        help="follow the room's driver and take over when it is gone (auto, the default) or "
        "on the operator's key (armed); needs --room and a broker (docs/standby.md)",
    )
    run.add_argument(
        "--takeover-delay",
        metavar="SECONDS",
        type=cliargs.takeover_delay,
        default=None,
        help="with --standby: how long the driver must be quiet on OBS and the broker "
        "(default 0.75: three announcements missed)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="rehearsal: never send anything that changes OBS; only show what would be sent",
    )
    run.add_argument(
        "--at",
        metavar="WHEN",
        help="start the clock at a pretend time: HH:MM[:SS] on the event date, or ISO 8601",
    )
    run.add_argument(
        "--speed",
        metavar="FACTOR",
        type=cliargs.speed,
        help=f"run the pretend clock FACTOR times faster ({cliargs.SPEED_MIN:g} to "
        f"{cliargs.SPEED_MAX:g})",
    )
    run.add_argument(
        "--headless", action="store_true", help="no dashboard: one JSON event per line on stdout"
    )
    run.add_argument(
        "--obs-url",
        metavar="URL",
        type=cliargs.obs_url,
        help="OBS websocket URL (overrides obs.url)",
    )
    run.add_argument(
        "--port",
        metavar="N",
        type=cliargs.port,
        default=None,
        help=f"port of the speaker-screen server (default {DEFAULT_PORT}; 0 turns it off)",
    )
    run.add_argument(
        "--bind",
        metavar="ADDRESS",
        type=cliargs.bind_address,
        default="127.0.0.1",
        help="address the speaker-screen server listens on (default 127.0.0.1)",
    )
    run.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        type=cliargs.host_name,
        default=[],
        help="a host name followers use for this machine besides its own name and IP addresses "
        "(repeatable; other names are refused against DNS rebinding)",
    )
    run.add_argument(
        "--log",
        metavar="PATH",
        type=cliargs.log_path,
        help="as-run log file or an existing folder for it (default: runs/ beside the programme)",
    )
    run.add_argument(
        "--fresh", action="store_true", help="start a new run instead of resuming the last one"
    )
    run.add_argument(
        "--accept-changes",
        action="store_true",
        help="with --headless: accept every valid edit of the programme file while the show "
        "runs (programme_changed / programme_invalid lines)",
    )
    run.add_argument(
        cliargs.ALLOW_LIVE_OUTPUTS,
        action="store_true",
        help="let a dress rehearsal (--at/--speed without --dry-run) switch scenes while OBS "
        "streams or records (refused otherwise)",
    )

    run.add_argument(
        "--control",
        action="store_true",
        help="serve the control API (/api) on the speaker server, guarded by the token in "
        "TIMEKEEPER_CONTROL_TOKEN (see `timekeeper token`)",
    )
    run.add_argument(
        "--osc",
        metavar="PORT",
        type=cliargs.osc_port,
        default=None,
        help="take OSC commands (/timekeeper/next …) on this UDP port (default: no OSC)",
    )
    run.add_argument(
        "--osc-bind",
        metavar="ADDRESS",
        type=cliargs.bind_address,
        default="127.0.0.1",
        help="address the OSC port listens on (default 127.0.0.1; OSC has no password)",
    )

    sub.add_parser("token", help="print a new random token for TIMEKEEPER_CONTROL_TOKEN")

    speaker = sub.add_parser("speaker", help="the speaker countdown screen, following a run")
    speaker.add_argument(
        "--url",
        metavar="URL",
        default=DEFAULT_URL,
        help=f"where `timekeeper run` serves the show (default {DEFAULT_URL})",
    )
    speaker.add_argument(
        "--mqtt",
        metavar="URL",
        help="follow a room through the venue's broker instead, mqtt://HOST[:PORT] (with --room)",
    )
    speaker.add_argument("--room", metavar="NAME", help="the room to follow (with --mqtt)")
    speaker.add_argument(
        "--venue", metavar="NAME", help="the venue's name on the broker (with --mqtt)"
    )
    speaker.add_argument(
        "--lang",
        metavar="CODE",
        default="en",
        help="the screen's language: en, nl, de, fr, es, pt or ar (default en)",
    )
    speaker.add_argument(
        "--sound",
        action="store_true",
        help="ring the terminal's bell: once at warning, twice at danger, three times at zero",
    )

    venue = sub.add_parser("venue", help="the overview of every room of a venue, from its broker")
    venue.add_argument("venue_file", metavar="VENUE", help="path to venue.yaml")
    venue.add_argument("--mqtt", metavar="URL", help="the broker (overrides mqtt.url)")
    venue.add_argument(
        "--serve",
        action="store_true",
        help="also serve the foyer board (every room's now and next) as a browser page",
    )
    venue.add_argument(
        "--port", type=int, default=8780, metavar="N", help="the foyer board's port (default 8780)"
    )
    venue.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address the foyer board listens on (default 127.0.0.1)",
    )
    venue.add_argument(
        "--headless",
        action="store_true",
        help="with --serve: no terminal, only the foyer board, until SIGTERM (an unattended PC)",
    )
    venue.add_argument(
        "--broker-wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="with --headless: how long to try the broker at start before exit 2 (default 10)",
    )

    report = sub.add_parser("report", help="planned versus actual, from an as-run log")
    report.add_argument("log", metavar="LOG", help="an as-run log written by `timekeeper run`")
    report.add_argument(
        "--format",
        choices=["markdown", "csv", "json", "html"],
        default="markdown",
        help="output format (default markdown)",
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    _interop_parsers(sub)
    _cuts_parser(sub)  # issue 25: timekeeper cuts

    schema = sub.add_parser("schema", help="print the JSON Schema of programme.yaml")
    schema.add_argument("--venue", action="store_true", help="the schema of venue.yaml instead")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    return parser


def _cuts_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    from timekeeper.commands.cuts import add_parser

    add_parser(sub)


def _interop_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    imp = sub.add_parser("import", help="a conference schedule (xml/json/csv) as programme(s)")
    imp.add_argument("schedule", metavar="SCHEDULE", help="schedule.xml, schedule.json or CSV")
    imp.add_argument("--room", metavar="NAME", help="write the programme of this room")
    imp.add_argument("--list-rooms", action="store_true", help="list the rooms and stop")
    imp.add_argument("--all-rooms", metavar="DIR", help="one programme per room, and venue.yaml")
    imp.add_argument("-o", "--output", metavar="FILE",
                     help="write to FILE instead of stdout; an existing FILE is re-imported "
                     "into: local edits kept, the difference printed")  # fmt: skip
    imp.add_argument("--dry-run", action="store_true",
                     help="with -o FILE or --all-rooms DIR: print the changes, "
                     "write nothing")  # fmt: skip
    imp.add_argument("--talk-scene", metavar="SCENE", default="Stage",
                     help="OBS scene of every talk (default Stage)")  # fmt: skip
    imp.add_argument("--changeover-scene", metavar="SCENE", default="Changeover",
                     help="OBS scene of changeover slots in gaps (default Changeover)")  # fmt: skip
    imp.add_argument("--timezone", metavar="ZONE",
                     help="the venue's IANA zone (e.g. Europe/Berlin), for a schedule that "
                     "names none")  # fmt: skip

    init = sub.add_parser("init", help="write a first programme.yaml (or one from a schedule)")
    init.add_argument("--from", dest="source", metavar="SCHEDULE", help="import this schedule")
    init.add_argument("--room", metavar="NAME", help="the room to import (with --from)")
    init.add_argument("-o", "--output", metavar="FILE", help="file to write (programme.yaml)")
    init.add_argument("--timezone", metavar="ZONE", help="with --from: the venue's IANA zone, "
                      "for a schedule that names none")  # fmt: skip
    init.set_defaults(talk_scene="Stage", changeover_scene="Changeover")

    exp = sub.add_parser("export", help="a programme as ICS, schedule.json/xml or CSV")
    exp.add_argument("programme", metavar="PROGRAMME", help="path to programme.yaml")
    exp.add_argument("--format", required=True,
                     choices=["ics", "schedule-json", "schedule-xml", "csv"])  # fmt: skip
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


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
    if args.command == "diff":
        from timekeeper.commands.diff import run_diff

        return run_diff(args)
    if args.command == "plan":
        from timekeeper.commands.plan import run_plan

        return run_plan(args)
    if args.command == "run":
        from timekeeper.commands.run import run_run

        return run_run(args)
    if args.command == "speaker":
        from timekeeper.commands.speaker import run_speaker

        return run_speaker(args)
    if args.command == "venue":
        from timekeeper.commands.venue import run_venue

        return run_venue(args)
    if args.command == "report":
        from timekeeper.commands.report import run_report

        return run_report(args)
    if args.command == "cuts":  # issue 25
        from timekeeper.commands.cuts import run_cuts

        return run_cuts(args)
    if args.command == "import":
        from timekeeper.commands.import_ import run_import

        return run_import(args)
    if args.command == "init":
        from timekeeper.commands.init import run_init
        from timekeeper.core.clock import SystemClock

        return run_init(args, SystemClock().now().date())
    if args.command == "export":
        from timekeeper.commands.export import run_export

        return run_export(args)
    if args.command == "token":
        from timekeeper.control.token import new_token

        print(new_token())
        return 0
    if args.command == "schema":
        from timekeeper.commands.schema import run_schema

        return run_schema(args)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
