"""Where the broker is and who we are to it: the URL, and credentials from the environment only.

A URL with a user or password in it is refused (credentials never live in a file
or on a command line, where `ps` and shell histories keep them); `BrokerSettings`
never shows its password in `repr()` or `str()`. A `ca_file` is read when the settings
are made (a missing or unreadable CA, or one given for a plain `mqtt://` broker, is a
usage error naming the file), and `tls_refused()` turns a failed TLS handshake into
what to fix.
"""

from __future__ import annotations

import os
import ssl
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


# OpenSSL's verify codes (X509_V_ERR_*) of a failed certificate check
UNKNOWN_ISSUER = {2, 18, 19, 20, 21}  # issuer unknown, self-signed, chain not to a trusted CA
NOT_YET_VALID, EXPIRED = 9, 10
WRONG_HOST = {62, 64}  # the host name or IP address is not the certificate's


def check_ca_file(ca_file: str, tls: bool) -> None:
    """A usage error unless `ca_file` is a readable PEM CA certificate for an mqtts:// URL."""
    if not tls:
        raise UsageError(
            f"mqtt.ca_file ({ca_file}) is for a TLS broker: use mqtts://HOST[:PORT] in mqtt.url"
        )
    try:
        ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError:  # (an OSError too: first)
        raise UsageError(
            f"mqtt.ca_file: {ca_file} holds no CA certificate in PEM form "
            "(-----BEGIN CERTIFICATE-----)"
        ) from None
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise UsageError(f"mqtt.ca_file: cannot read {ca_file}: {why}") from None


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
        if ca_file is not None:
            check_ca_file(ca_file, tls)
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

    def tls_context(self) -> ssl.SSLContext | None:
        """The TLS context of an mqtts:// broker (its certificate checked against `ca_file`, or
        the system's CAs), None for mqtt://."""
        return ssl.create_default_context(cafile=self.ca_file) if self.tls else None

    def tls_refused(self, exc: ssl.SSLError) -> str:
        """What to fix when the TLS handshake with the broker fails (no secret in it)."""
        code = getattr(exc, "verify_code", None)
        trusted = f"the CA in {self.ca_file}" if self.ca_file else "a CA this machine trusts"
        if code in UNKNOWN_ISSUER:
            fix = "set mqtt.ca_file to the CA certificate (PEM) that signed the broker's certfile"
            return f"the broker's TLS certificate is not signed by {trusted}: {fix}"
        if code == EXPIRED:
            return (
                "the broker's TLS certificate has expired: renew the broker's certfile (and "
                "reload mosquitto); timekeeper keeps trying"
            )
        if code == NOT_YET_VALID:
            return (
                "the broker's TLS certificate is not valid yet: check the clocks of this machine "
                "and the broker"
            )
        if code in WRONG_HOST:
            return (
                f"the broker's TLS certificate is not for {self.host}: use in mqtt.url a name "
                "the certificate was issued for"
            )
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return (
            f"TLS with the broker failed ({str(reason)[:80]}): check that {self.url} is the "
            "broker's TLS listener and mqtt.ca_file its CA"
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
