"""The warning that a control surface listens beyond this machine (API and OSC alike)."""

from __future__ import annotations

import logging

from timekeeper.control.notices import SurfaceExposed
from timekeeper.show.handle import RunHandle
from timekeeper.speaker.trust import beyond_loopback

log = logging.getLogger(__name__)


def exposed(runtime: RunHandle, surface: str, what: str, bind: str, flag: str) -> None:
    """Warn (dashboard, headless stream, diagnostics) that `what` listens beyond loopback
    (`surface`: control, osc)."""
    if not beyond_loopback(bind):
        return
    message = (
        f"{what} listens on {bind}, beyond this machine: anyone on the network can reach "
        f"it; keep it on a trusted network, or leave out {flag} to keep it on 127.0.0.1"
    )
    log.warning("%s", message)
    runtime.tell(SurfaceExposed(surface=surface, message=message))
