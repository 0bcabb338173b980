"""Preflight: does OBS have every scene, transition and text source the programme names?

Run by `timekeeper check PROGRAMME --obs` (exit 2 if anything is missing or
OBS cannot be reached) and at the start of `timekeeper run` (shown on the
dashboard; the show runs anyway). A missing name comes with the closest
existing one, because the usual cause is a typo or a renamed scene.

This module owns connecting for the check (`preflight`, with the real client
unless a port is given); the checking itself is in `names`, whose names stay
importable from here.
"""

from __future__ import annotations

from timekeeper.core.programme import Programme
from timekeeper.errors import ObsAuthError, ObsConnectionError, ObsError, ObsTimeoutError
from timekeeper.obs.names import (
    NameCheck,
    PreflightReport,
    Unreachable,
    check_names,
    closest,
    programme_names,
)
from timekeeper.obs.port import ObsPort

__all__ = [
    "NameCheck",
    "PreflightReport",
    "Unreachable",
    "check_names",
    "closest",
    "preflight",
    "programme_names",
]


async def preflight(
    programme: Programme,
    url: str,
    password: str | None,
    *,
    timeout: float = 5.0,
    port: ObsPort | None = None,
) -> PreflightReport:
    """Connect to OBS at `url`, check every name the programme uses, disconnect. Never raises
    an ObsError: an unreachable OBS is a report with `reachable=False` and the reason.

    `port` replaces the real client (tests).
    """
    if port is None:
        from timekeeper.obs.client import ObsClient

        port = ObsClient(
            url,
            password,
            password_env=programme.obs.password_env,
            connect_timeout=timeout,
            request_timeout=timeout,
        )
    try:
        info = await port.connect()
    except ObsError as exc:
        return PreflightReport(url=url, reachable=False, error=str(exc), error_kind=_kind(exc))
    try:
        report = await check_names(port, programme)
    except ObsError as exc:
        return PreflightReport(
            url=url, reachable=False, error=str(exc), error_kind=_kind(exc), info=info
        )
    finally:
        await port.close()
    return PreflightReport(
        url=url,
        reachable=True,
        info=info,
        checks=report.checks,
        scenes_in_obs=report.scenes_in_obs,
    )


def _kind(exc: ObsError) -> Unreachable:
    if isinstance(exc, ObsAuthError):
        return Unreachable.AUTH
    if isinstance(exc, ObsTimeoutError):
        return Unreachable.TIMEOUT
    if isinstance(exc, ObsConnectionError):
        return Unreachable.REFUSED
    return Unreachable.ERROR
