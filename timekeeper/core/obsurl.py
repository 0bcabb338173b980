"""The OBS WebSocket URL's one rule about secrets: it never holds a user or password.

A `ws://user:password@host:4455` URL would be written to stdout, the as-run log, the
diagnostics log and `check`'s report; OBS's password belongs in the environment
variable `obs.password_env` names. The refusal never repeats the URL (it holds the
secret). Pure; used by `--obs-url` (cliargs.py) and the programme's `obs.url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def credentials_refusal(url: str) -> str | None:
    """Why `url` may not be used (it carries credentials), or None."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # unreadable: refuse it if it could hold a user
        netloc = url
    if "@" not in netloc:
        return None
    return (
        "the OBS URL may not hold a user or password (it would be shown and logged): "
        "give ws://HOST:PORT and put the password in the environment variable named by "
        "obs.password_env in the programme (e.g. OBS_PASSWORD)"
    )
