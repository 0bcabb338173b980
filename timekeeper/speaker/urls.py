"""Where a follower connects: the server's page, state and WebSocket URLs from what was typed."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORT = 8765  # the speaker-screen server's port (`run --port`), the control API's too
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"  # where `timekeeper speaker` looks by default

# What each screen can choose, added to the page's URL (docs/speaker-screens.md).
SCREEN_OPTIONS = "?lang=nl|de|fr|es|pt|ar, ?sound=1; OBS source: ?transparent=1"


@dataclass(frozen=True)
class FollowerUrls:
    page: str  # http(s)://host:port/
    state: str  # .../state
    ws: str  # ws(s)://host:port/ws


def follower_urls(url: str) -> FollowerUrls:
    """The server's URLs from what a person typed (raises ValueError with the reason)."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = {"http": "http", "ws": "http", "https": "https", "wss": "https"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"'{url}' must be an http:// URL, like {DEFAULT_URL}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"'{url}' has an invalid port") from None
    if not parts.hostname:
        raise ValueError(f"'{url}' names no host, like {DEFAULT_URL}")
    if parts.path not in {"", "/", "/ws", "/state"} or parts.query or parts.fragment:
        raise ValueError(f"'{url}': give only the server, like {DEFAULT_URL}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    base = urlunsplit((scheme, netloc, "/", "", ""))
    ws = urlunsplit(("wss" if scheme == "https" else "ws", netloc, "/ws", "", ""))
    return FollowerUrls(page=base, state=base + "state", ws=ws)
