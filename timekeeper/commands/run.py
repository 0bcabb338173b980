"""`timekeeper run`: read the options, build the run, and hand it to a front end.

The run is assembled in `timekeeper.app.assembly`; the front ends are
`timekeeper.app.dashboard` (Textual, imported only when there is a
dashboard) and `timekeeper.app.headless` (JSON lines).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from timekeeper.app.assembly import build_runtime
from timekeeper.app.headless import run_headless
from timekeeper.app.run_options import RunOptions, check_speed


def run_run(args: argparse.Namespace) -> int:
    options = RunOptions.from_args(args)
    check_speed(options.speed)  # a usage error before the programme is even read
    options.check()
    runtime = build_runtime(options)
    try:
        if options.headless:
            return asyncio.run(run_headless(runtime, sys.stdout))
        from timekeeper.app.dashboard import run_dashboard  # Textual only for a dashboard

        return asyncio.run(run_dashboard(runtime))
    finally:
        runtime.close()
