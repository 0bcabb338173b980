"""The warning that a control surface listens beyond this machine (API and OSC alike)."""

from __future__ import annotations

import logging

from timekeeper.show.handle import RunHandle
from timekeeper.speaker.trust import beyond_loopback

log = logging.getLogger(__name__)


def exposed(runtime: RunHandle, event: str, what: str, bind: str, flag: str) -> None:
    """Warn (dashboard, headless stream, diagnostics) that `what` listens beyond loopback."""
    if not beyond_loopback(bind):
        return
    message = (
        f"{what} listens on {bind}, beyond this machine: anyone on the network can reach "
        f"it; keep it on a trusted network, or leave out {flag} to keep it on 127.0.0.1"
    )
    log.warning("%s", message)
    runtime.notice(event, message=message)
