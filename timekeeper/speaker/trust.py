"""Who may talk to the run's server: the `Origin` and `Host` checks every route passes first.

A web page open in any browser on the operator's machine can reach 127.0.0.1; two
things tell its requests apart from the speaker page's and the followers':

- **Origin.** Browsers send it on every WebSocket handshake, every POST and every
  cross-origin fetch. The speaker page is served by this server, so its Origin is
  this server (`http://` + the request's own `Host`); `timekeeper speaker`, curl and
  Companion send none. Anything else — another site, `null` (a sandboxed frame, a
  file) — is refused.
- **Host** (DNS rebinding: a name the attacker controls made to resolve to
  127.0.0.1, so the browser thinks the page is same-origin). The Host must name this
  server: an IP address, `localhost` (or `*.localhost`), this machine's own host
  name (also with `.local`), or a name given with `--allow-host`; with a port, this
  server's port.

Refusals are 403 with one line that says what was refused and why (never a request
header other than the one refused). `beyond_loopback` and `shown_host` say what a bind
address exposes and which address to show for it (never `0.0.0.0`). Pure apart from
the aiohttp middleware at the end and `shown_host`'s look at the machine's addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

MAX_SHOWN = 80  # characters of a refused Host or Origin repeated in the answer


def machine_names() -> frozenset[str]:
    """This machine's own names, as a follower on the venue network may type them."""
    names = {"localhost"}
    for name in (socket.gethostname(), socket.getfqdn()):
        name = name.lower().rstrip(".")
        if name:
            names.add(name)
            names.add(name.split(".")[0] + ".local")
    return frozenset(names)


def beyond_loopback(bind: str) -> bool:
    """True when a server bound to `bind` can be reached from other machines."""
    if bind in ("localhost", "ip6-localhost"):
        return False
    try:
        return not ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return True  # a host name: whatever it resolves to, assume the network


def shown_host(bind: str) -> str:
    """The address to show for a server bound to `bind`: a wildcard (`0.0.0.0`, `::`, "")
    becomes this machine's address on its default route (or its host name)."""
    if bind not in ("", "0.0.0.0", "::"):
        return bind
    family = socket.AF_INET6 if bind == "::" else socket.AF_INET
    probe = "2001:db8::1" if family == socket.AF_INET6 else "192.0.2.1"  # never sent to
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect((probe, 9))
            return str(s.getsockname()[0])
    except OSError:
        return socket.gethostname() or "localhost"


def _split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]` or `[v6][:port]` as (name, port); None when it is not a host."""
    try:
        parts = urlsplit("//" + value)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path:
        return None
    return parts.hostname.lower().rstrip("."), port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Trust:
    """The names this server answers to, and the port it listens on (None: any)."""

    names: frozenset[str]
    port: int | None = None

    @classmethod
    def for_server(cls, port: int | None, allow: Iterable[str] = ()) -> Trust:
        extra = {name.lower().rstrip(".") for name in allow}
        return cls(machine_names() | extra, port)

    def host_refusal(self, host: str | None) -> str | None:
        """Why a request's `Host` is not this server's (None: it is, or there is none)."""
        if host is None:
            return None  # not a browser: every browser sends Host
        split = _split_host(host)
        shown = host[:MAX_SHOWN]
        if split is None:
            return f"refused: Host {shown!r} is not a host name"
        name, port = split
        if self.port is not None and port is not None and port != self.port:
            return f"refused: Host {shown!r} names another port than this server's {self.port}"
        if _is_ip(name) or name in self.names or name.endswith(".localhost"):
            return None
        return (
            f"refused: Host {shown!r} is not this server's name (a DNS rebinding page?); "
            "if followers really use that name, start the run with --allow-host NAME"
        )

    def origin_refusal(self, origin: str | None, host: str | None) -> str | None:
        """Why a request's `Origin` is not this server itself (None: same origin, or none)."""
        if origin is None:
            return None  # not sent by a browser page: curl, Companion, `timekeeper speaker`
        shown = origin[:MAX_SHOWN]
        parts = urlsplit(origin)
        same = host is not None and parts.netloc.lower() == host.lower()
        if parts.scheme in ("http", "https") and same and not parts.path.strip("/"):
            return None
        return (
            f"refused: a page from {shown!r} may not use this server "
            "(only its own speaker page, or clients that send no Origin)"
        )

    def refusal(self, origin: str | None, host: str | None) -> str | None:
        return self.host_refusal(host) or self.origin_refusal(origin, host)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def middleware(trust: Callable[[], Trust]) -> Middleware:
    """An aiohttp middleware refusing, on every route, what `trust()` refuses (403)."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        why = trust().refusal(request.headers.get("Origin"), request.headers.get("Host"))
        if why is not None:
            return web.Response(status=403, text=why + "\n", headers={"Cache-Control": "no-store"})
        return await handler(request)

    return check
