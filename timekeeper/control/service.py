"""Wiring the control surfaces into a run: the token check, the API extension, OSC input.

`check_control` runs before anything is read or written (no token: exit 2, one
line); `control_api` builds the routes the speaker server installs, and warns when
they are served beyond this machine; `OscService` is the OSC input service (which
warns the same way as it starts).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from timekeeper.control.actions import Controls
from timekeeper.control.api import ControlApi
from timekeeper.control.exposed import exposed
from timekeeper.control.osc import OscInput
from timekeeper.control.token import read_token
from timekeeper.errors import UsageError
from timekeeper.show.handle import RunHandle


def check_control(port: int, environ: Mapping[str, str]) -> None:
    """`--control` needs the speaker server (`port`, 0: none) and a token."""
    if port == 0:
        raise UsageError("--control is served on the speaker server: leave out --port 0")
    read_token(environ)


def control_api(runtime: RunHandle, bind: str) -> ControlApi:
    exposed(runtime, "control", "the control API (token-guarded)", bind, "--bind")
    return ControlApi(Controls(runtime), read_token(os.environ))


class OscService:
    """OSC input as a service of a run: its controls act on the run that starts it."""

    name = "osc"

    def __init__(self, bind: str, port: int) -> None:
        self.bind, self.port = bind, port
        self.input: OscInput | None = None

    async def start(self, runtime: RunHandle) -> None:
        self.input = OscInput(Controls(runtime), self.bind, self.port)
        await self.input.start(runtime)

    async def stop(self) -> None:
        if self.input is not None:
            await self.input.stop()
