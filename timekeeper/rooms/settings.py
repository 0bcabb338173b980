"""Where the broker is and who we are to it: the URL, and credentials from the environment only.

A URL with a user or password in it is refused (credentials never live in a file
or on a command line, where `ps` and shell histories keep them); `BrokerSettings`
never shows its password in `repr()` or `str()`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from timekeeper.errors import UsageError

SCHEMES = {"mqtt": 1883, "mqtts": 8883}


def check_url(url: str) -> tuple[str, int, bool]:
    """(host, port, tls) of an mqtt:// or mqtts:// URL; ValueError with what is accepted."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"cannot read {url!r}; expected mqtt://HOST[:PORT]") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{url!r}: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the broker URL may not hold a user or password: name environment variables "
            "instead (mqtt.username_env / mqtt.password_env; TK_MQTT_USER / TK_MQTT_PASSWORD)"
        )
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host; expected mqtt://HOST[:PORT]")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{url!r}: expected mqtt://HOST[:PORT] with nothing after the port")
    return parts.hostname, port or SCHEMES[parts.scheme], parts.scheme == "mqtts"


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    tls: bool = False
    ca_file: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    username_env: str = "TK_MQTT_USER"  # where the credentials came from: named in refusals
    password_env: str = "TK_MQTT_PASSWORD"

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.url

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        username_env: str,
        password_env: str,
        ca_file: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> BrokerSettings:
        env = os.environ if environ is None else environ
        try:
            host, port, tls = check_url(url)
        except ValueError as exc:
            raise UsageError(f"--mqtt: {exc}") from None
        return cls(
            host,
            port,
            tls,
            ca_file,
            env.get(username_env) or None,
            env.get(password_env) or None,
            username_env,
            password_env,
        )

    def refused(self) -> str:
        """What to do when the broker refuses our credentials (names the user, not the password)."""
        if self.username is None:
            return (
                f"the broker requires a user and password: set {self.username_env} and "
                f"{self.password_env}"
            )
        return (
            f"the broker refused the credentials of user {self.username!r}: check "
            f"{self.password_env} (and that the user is in the broker's password_file)"
        )
