"""Wiring the control surfaces into a run: the token check, the API extension, OSC input.

`check_control` runs before anything is read or written (no token: exit 2, one
line); `control_api` builds the routes the speaker server installs, and warns when
they are served beyond this machine; `osc_service` builds the OSC input service (which
warns the same way as it starts).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from timekeeper.app.options import RunOptions
from timekeeper.app.run import Runtime
from timekeeper.control.actions import Controls
from timekeeper.control.api import ControlApi
from timekeeper.control.osc import OscInput
from timekeeper.control.token import read_token
from timekeeper.errors import UsageError
from timekeeper.speaker.trust import beyond_loopback

log = logging.getLogger(__name__)


def check_control(options: RunOptions, environ: Mapping[str, str]) -> None:
    """`--control` needs the speaker server and a token."""
    if options.port == 0:
        raise UsageError("--control is served on the speaker server: leave out --port 0")
    read_token(environ)


def exposed(runtime: Runtime, event: str, what: str, bind: str, flag: str) -> None:
    """Warn (dashboard, headless stream, diagnostics) that `what` listens beyond loopback."""
    if not beyond_loopback(bind):
        return
    message = (
        f"{what} listens on {bind}, beyond this machine: anyone on the network can reach "
        f"it; keep it on a trusted network, or leave out {flag} to keep it on 127.0.0.1"
    )
    log.warning("%s", message)
    runtime.notice(event, message=message)


def control_api(runtime: Runtime) -> ControlApi:
    bind = runtime.options.bind
    exposed(runtime, "control_exposed", "the control API (token-guarded)", bind, "--bind")
    return ControlApi(Controls(runtime), read_token(os.environ))


def osc_service(runtime: Runtime) -> OscInput:
    port = runtime.options.osc_port
    assert port is not None
    return OscInput(Controls(runtime), runtime.options.osc_bind, port)
