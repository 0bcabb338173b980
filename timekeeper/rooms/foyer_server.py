"""FoyerServer: `timekeeper venue venue.yaml --serve` — the foyer board over HTTP.

Serves one self-contained page (`static/foyer.html`: inline CSS and JavaScript,
nothing fetched from elsewhere; usable as an OBS browser source with
`?transparent=1`) with the board's state embedded, and `/foyer.json`, which the page
polls. The state comes from the overview's `Board` (rooms/foyer.py); this module only
serves it, read-only, behind the speaker server's Host/Origin checks (DNS rebinding).
"""

from __future__ import annotations

import errno
import json
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from typing import Any

from aiohttp import web

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.errors import UsageError
from timekeeper.rooms.board import Board
from timekeeper.rooms.foyer import foyer_state
from timekeeper.speaker.trust import Trust, middleware

DEFAULT_PORT = 8780
NO_STORE = {"Cache-Control": "no-store"}


class FoyerServer:
    def __init__(
        self,
        board: Board,
        *,
        venue: str,
        timezone: str | None,
        port: int = DEFAULT_PORT,
        bind: str = "127.0.0.1",
        clock: Clock | None = None,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        self.board = board
        self.venue = venue
        self.timezone = timezone
        self.port = port
        self.bind = bind
        self.clock = clock or SystemClock()
        self._allow = tuple(allow_hosts)
        self._page = resources.files("timekeeper.rooms").joinpath("static", "foyer.html")
        self._runner: web.AppRunner | None = None
        self.trust = Trust.for_server(port or None, self._allow)
        self.url: str | None = None

    def state(self, now: datetime | None = None) -> dict[str, Any]:
        return foyer_state(
            self.board, now or self.clock.now(), venue=self.venue, timezone=self.timezone
        )

    async def start(self) -> str:
        """Listen (port 0 picks a free port) and return the page's URL."""
        app = web.Application(middlewares=[middleware(lambda: self.trust)])
        app.router.add_get("/", self._index)
        app.router.add_get("/foyer.json", self._json)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.bind, self.port, reuse_address=True).start()
        except OSError as exc:
            await runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {self.port} is in use; pass --port N") from None
            raise UsageError(f"cannot listen on {self.bind}:{self.port}: {exc.strerror}") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.trust = Trust.for_server(self.port, self._allow)
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        self.url = f"http://{host}:{self.port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.Response:
        embedded = json.dumps(self.state(), ensure_ascii=False).replace("</", "<\\/")
        html = self._page.read_text(encoding="utf-8").replace("__INITIAL__", embedded)
        return web.Response(text=html, content_type="text/html", headers=NO_STORE)

    async def _json(self, request: web.Request) -> web.Response:
        return web.json_response(self.state(), headers=NO_STORE)
