"""Wiring the control surfaces into a run: the token check, the API extension, OSC input.

`check_control` runs before anything is read or written (no token: exit 2, one
line); `control_api` builds the routes the speaker server installs; `osc_service`
builds the OSC input service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from timekeeper.control.actions import Controls
from timekeeper.control.api import ControlApi
from timekeeper.control.osc import OscInput
from timekeeper.control.token import read_token
from timekeeper.errors import UsageError
from timekeeper.runtime.options import RunOptions
from timekeeper.runtime.run import Runtime


def check_control(options: RunOptions, environ: Mapping[str, str]) -> None:
    """`--control` needs the speaker server and a token."""
    if options.port == 0:
        raise UsageError("--control is served on the speaker server: leave out --port 0")
    read_token(environ)


def control_api(runtime: Runtime) -> ControlApi:
    return ControlApi(Controls(runtime), read_token(os.environ))


def osc_service(runtime: Runtime) -> OscInput:
    port = runtime.options.osc_port
    assert port is not None
    return OscInput(Controls(runtime), runtime.options.osc_bind, port)
