"""`timekeeper speaker`: the speaker countdown screen in a terminal, following a run.

A malformed --url is a usage error (exit 2) because retrying cannot fix it; an
unreachable server is not: the screen says so and keeps trying, since the
speaker screen is often started before the operator's run.
"""

from __future__ import annotations

import argparse

from timekeeper.errors import UsageError
from timekeeper.speaker.protocol import follower_urls


def run_speaker(args: argparse.Namespace) -> int:
    url = str(args.url)
    try:
        follower_urls(url)
    except ValueError as exc:
        raise UsageError(f"--url: {exc}") from None
    from timekeeper.ui.speaker.app import SpeakerApp  # Textual only once the arguments are good

    SpeakerApp(url).run()
    return 0
