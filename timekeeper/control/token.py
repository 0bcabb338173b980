"""The control API's bearer token: read from the environment, compared in constant time.

The token lives only in `TIMEKEEPER_CONTROL_TOKEN` and in memory: no message,
log line or as-run record ever contains it (the diagnostics log redacts it too).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from timekeeper.errors import UsageError

TOKEN_ENV = "TIMEKEEPER_CONTROL_TOKEN"
MIN_LENGTH = 16  # characters: `timekeeper token` gives 43


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def read_token(environ: Mapping[str, str]) -> str:
    """The token `--control` guards the API with; a UsageError (exit 2) without a usable one."""
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(
            f"--control needs a token: export {TOKEN_ENV}=$(timekeeper token) and run again"
        )
    if len(token) < MIN_LENGTH or any(c.isspace() or not c.isprintable() for c in token):
        raise UsageError(
            f"{TOKEN_ENV} must be at least {MIN_LENGTH} printable characters without spaces: "
            "make one with `timekeeper token`"
        )
    return token


def bearer_matches(header: str | None, token: str) -> bool:
    """True when an `Authorization: Bearer …` header carries `token` (constant-time)."""
    if header is None:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
