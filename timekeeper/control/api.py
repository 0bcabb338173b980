"""The HTTP control API on the run's server (`timekeeper run … --control`).

Routes: `POST /api/actions/{name}` (JSON parameters; see `actions`), `GET
/api/status` (see `status`), `GET /api/openapi.json`. Each request is, in this
order: rate-limited per client (the peer address and its `X-Timekeeper-Client`
name; 429 with `Retry-After`; wrong tokens also count per address, whatever the
name), authenticated (`Authorization: Bearer <token>`,
compared in constant time; 401), then done. Answers are JSON; an error is
`{"ok": false, "error": "…"}` with the reason and never the token. The server's
`trust` middleware has already refused foreign origins and rebinding hosts.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from timekeeper.control.actions import Controls, Refused
from timekeeper.control.openapi import openapi
from timekeeper.control.ratelimit import RateLimiter
from timekeeper.control.status import status_json
from timekeeper.control.token import bearer_matches

CLIENT_HEADER = "X-Timekeeper-Client"
CLIENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")
MAX_BODY = 4096  # bytes of JSON parameters
ACTION_LIMIT = (20.0, 5.0)  # a burst of 20 actions, then 5 a second, per client
STATUS_LIMIT = (30.0, 10.0)  # feedback polling: a burst of 30, then 10 a second
FAILURE_LIMIT = (10.0, 0.5)  # wrong tokens per address, whatever client name it gives
DEFAULT_CLIENT = "unnamed"


def _json(status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(data, ensure_ascii=False, default=str),
        content_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json(status, {"ok": False, "error": reason}, headers)


def client_name(request: web.Request) -> str | None:
    """The client's name from `X-Timekeeper-Client` (None: one that cannot be a name)."""
    name = request.headers.get(CLIENT_HEADER, DEFAULT_CLIENT).strip()
    return name if CLIENT_NAME.fullmatch(name) else None


class ControlApi:
    """The control routes of one run, guarded by `token`; `clock` times the rate limits."""

    def __init__(
        self,
        controls: Controls,
        token: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        action_limit: tuple[float, float] = ACTION_LIMIT,
        status_limit: tuple[float, float] = STATUS_LIMIT,
    ) -> None:
        self.controls = controls
        self._token = token
        self.actions = RateLimiter(*action_limit, clock)
        self.statuses = RateLimiter(*status_limit, clock)
        self.failures = RateLimiter(*FAILURE_LIMIT, clock)

    def __repr__(self) -> str:  # never the token, whatever prints this
        return "ControlApi(token=***)"

    def install(self, app: web.Application) -> None:
        app.router.add_post("/api/actions/{name}", self._action)
        app.router.add_get("/api/status", self._status)
        app.router.add_get("/api/openapi.json", self._openapi)

    def _guard(self, request: web.Request, limiter: RateLimiter) -> web.Response | str:
        """The client's name, or the answer that refuses the request."""
        name = client_name(request)
        if name is None:
            return _error(400, f"{CLIENT_HEADER} must be 1-32 letters, digits, '.', '_' or '-'")
        address = str(request.remote)
        wait = self.failures.wait(address) or limiter.take(f"{address} {name}")
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            return _error(
                429, f"too many requests from {name}: retry in {retry} s", {"Retry-After": retry}
            )
        if not bearer_matches(request.headers.get("Authorization"), self._token):
            self.failures.take(address)  # a new name per guess does not get new guesses
            return _error(
                401,
                "missing or wrong token: send Authorization: Bearer <TIMEKEEPER_CONTROL_TOKEN>",
                {"WWW-Authenticate": 'Bearer realm="timekeeper"'},
            )
        return name

    async def _action(self, request: web.Request) -> web.Response:
        guarded = self._guard(request, self.actions)
        if isinstance(guarded, web.Response):
            return guarded
        params = await _params(request)
        if isinstance(params, web.Response):
            return params
        try:
            done = self.controls.run(request.match_info["name"], params, f"api:{guarded}")
        except Refused as refused:  # the dashboard's log says so: someone's button did nothing
            self.controls.runtime.notice(
                "remote_refused", action=request.match_info["name"][:40], by=f"api:{guarded}",
                message=refused.reason,
            )  # fmt: skip
            return _error(refused.status, refused.reason)
        return _json(
            200,
            {
                "ok": True,
                "action": done.action,
                "source": done.source,
                "result": done.result,
                "events": list(done.events),
                "status": self._status_data(),
            },
        )

    async def _status(self, request: web.Request) -> web.Response:
        guarded = self._guard(request, self.statuses)
        if isinstance(guarded, web.Response):
            return guarded
        return _json(200, self._status_data())

    def _status_data(self) -> dict[str, Any]:
        runtime = self.controls.runtime
        session = runtime.session
        return status_json(session.status(), runtime.read_obs_status(), runtime.programme.tz)

    async def _openapi(self, request: web.Request) -> web.Response:
        return _json(200, openapi())


async def _params(request: web.Request) -> dict[str, Any] | web.Response:
    """The JSON object of parameters (an empty body is `{}`)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"parameters are limited to {MAX_BODY} bytes")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return _error(413, f"parameters are limited to {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _error(400, 'the body must be a JSON object, e.g. {"minutes": 1}')
    if not isinstance(data, dict):
        return _error(400, 'the body must be a JSON object, e.g. {"minutes": 1}')
    return data
