"""The HTTP control API on the run's server (`timekeeper run … --control`).

Routes: `POST /api/actions/{name}` (JSON parameters; see `actions`), `GET
/api/status` (see `status`), `GET /api/openapi.json`. Each request is, in this
order: stamped with its arrival (the gate refuses a request the show moved past
while it waited), rate-limited per client (the peer address and its
`X-Timekeeper-Client` name; 429 with `Retry-After`), authenticated
(`Authorization: Bearer <token>`, compared in constant time; 401), then done. The
right token always passes; wrong ones are limited per address, whatever the name:
each *different* wrong token spends one guess (10, then one every 2 s; then 429),
so a forgotten trigger repeating a stale token never locks its machine out. The
JSON body is read whole (over any number of TCP segments or chunks) within 5 s.
Answers are JSON; an error is `{"ok": false, "error": "…"}` with the reason and
never the token. The server's `trust` middleware has already refused foreign origins
and rebinding hosts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from timekeeper.control.actions import Controls, Refused
from timekeeper.control.notices import RemoteRefused
from timekeeper.control.openapi import openapi
from timekeeper.control.ratelimit import RateLimiter
from timekeeper.control.status import status_json
from timekeeper.control.token import bearer_matches

CLIENT_HEADER = "X-Timekeeper-Client"
CLIENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")
MAX_BODY = 4096  # bytes of JSON parameters
ACTION_LIMIT = (20.0, 5.0)  # a burst of 20 actions, then 5 a second, per client
STATUS_LIMIT = (30.0, 10.0)  # feedback polling: a burst of 30, then 10 a second
FAILURE_LIMIT = (10.0, 0.5)  # different wrong tokens per address, whatever client name it gives
BODY_TIMEOUT = 5.0  # seconds to receive the JSON body, however it is split
KNOWN_WRONG = 64  # wrong tokens remembered (as keyed hashes) so a repeated one spends no guess
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
        self.clock = clock
        self._key = secrets.token_bytes(16)  # wrong tokens are remembered keyed, never as given
        self._wrong: dict[tuple[str, bytes], None] = {}

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
        wait = limiter.take(f"{address} {name}")
        if wait > 0:
            return _limited(name, wait)
        header = request.headers.get("Authorization")
        if bearer_matches(header, self._token):
            return name  # the right token always passes: a stale one elsewhere cannot lock it out
        wait = self._guess(address, header or "")
        if wait > 0:
            return _limited(name, wait)
        return _error(
            401,
            "missing or wrong token: send Authorization: Bearer <TIMEKEEPER_CONTROL_TOKEN>",
            {"WWW-Authenticate": 'Bearer realm="timekeeper"'},
        )

    def _guess(self, address: str, header: str) -> float:
        """Spend a guess for a wrong token not seen from `address` lately (0.0: allowed)."""
        digest = hashlib.blake2s(header.encode(errors="replace"), key=self._key).digest()
        key = (address, digest)
        if key in self._wrong:
            return 0.0  # the same stale token again: a forgotten trigger, not a new guess
        wait = self.failures.take(address)  # a new name per guess does not get new guesses
        if wait == 0.0:
            if len(self._wrong) >= KNOWN_WRONG:
                self._wrong.pop(next(iter(self._wrong)))
            self._wrong[key] = None
        return wait

    async def _action(self, request: web.Request) -> web.Response:
        arrived = self.clock()
        # let every request that arrived with this one take its stamp before any acts:
        # parallel copies then find the show moved after they arrived (the gate's "stale")
        await asyncio.sleep(0)
        guarded = self._guard(request, self.actions)
        if isinstance(guarded, web.Response):
            return guarded
        params = await _params(request)
        if isinstance(params, web.Response):
            return params
        try:
            name = request.match_info["name"]
            done = self.controls.run(name, params, f"api:{guarded}", arrived)
        except Refused as refused:  # the dashboard's log says so: someone's button did nothing
            self.controls.runtime.tell(RemoteRefused(
                action=request.match_info["name"][:40], by=f"api:{guarded}",
                message=refused.reason,
            ))  # fmt: skip
            return _error(refused.status, refused.reason)
        except Exception as exc:  # one request's bug is that request's 500, logged once
            self.controls.runtime.session.failed("an API request", exc)
            return _error(500, "internal error: the diagnostics log has the details")
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


def _limited(name: str, wait: float) -> web.Response:
    retry = str(max(1, math.ceil(wait)))
    return _error(429, f"too many requests from {name}: retry in {retry} s", {"Retry-After": retry})


async def _body(request: web.Request) -> bytes | None:
    """The whole body, however many segments or chunks it came in (None: over MAX_BODY)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    raw = bytearray()
    async with asyncio.timeout(BODY_TIMEOUT):
        while len(raw) <= MAX_BODY:
            chunk = await request.content.read(MAX_BODY + 1 - len(raw))
            if not chunk:
                break
            raw += chunk
    return bytes(raw) if len(raw) <= MAX_BODY else None


async def _params(request: web.Request) -> dict[str, Any] | web.Response:
    """The JSON object of parameters (an empty body is `{}`)."""
    try:
        raw = await _body(request)
    except TimeoutError:
        return _error(408, f"the body did not arrive within {BODY_TIMEOUT:g} s")
    if raw is None:
        return _error(413, f"parameters are limited to {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, 'the body must be a JSON object, e.g. {"minutes": 1}')
    if not isinstance(data, dict):
        return _error(400, 'the body must be a JSON object, e.g. {"minutes": 1}')
    return data
