"""Before a run opens: a dress rehearsal must not start while OBS streams or records.

A dress rehearsal (a pretend clock without --dry-run) switches OBS's program
scene for real; on a live stream or a recording those switches go out. So it
refuses to start (UsageError, exit 2, one line naming the way out) while OBS
says either output is active, unless the operator passed `--allow-live-outputs`.
Called once by `timekeeper run` before anything is created (no as-run log)
and before the dashboard opens. OBS unreachable is no reason to refuse: the
rehearsal's own guard (obs/outputs.py `RehearsalGuard`) stops its switching the
moment it finds an output live. Dry runs send nothing, so they are not checked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

from timekeeper.cliargs import ALLOW_LIVE_OUTPUTS
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.errors import ObsError, UsageError

CHECK_TIMEOUT = 3.0  # real seconds for OBS to answer; a stalled OBS is not a refusal
T = TypeVar("T")


class LiveOutputsError(UsageError):
    """A dress rehearsal was asked for while OBS streams or records."""


def refuse_live_outputs(
    programme: Programme, mode: RunMode, *, url_override: str | None, allow: bool
) -> None:
    """Raise LiveOutputsError if this run is a dress rehearsal and OBS streams or records."""
    if mode is not RunMode.DRESS or allow:
        return
    if not programme.obs.configured and url_override is None:
        return  # no OBS in this programme: nothing to switch
    url = url_override or programme.obs.url
    live = _run(_live_outputs(programme, url))
    if not live:
        return
    outputs = " and ".join(live)
    raise LiveOutputsError(
        f"OBS at {url} is {outputs}: a dress rehearsal switches its scenes, and they would go "
        f"out. Stop {'them' if len(live) > 1 else 'it'} in OBS, rehearse with --dry-run "
        f"(nothing is sent to OBS), or pass {ALLOW_LIVE_OUTPUTS} to rehearse on it anyway"
    )


async def _live_outputs(programme: Programme, url: str) -> list[str]:
    """Which outputs OBS says are active ([] when it cannot be asked)."""
    from timekeeper.obs.client import ObsClient  # the client only where OBS is asked

    name = programme.obs.password_env
    client = ObsClient(
        url,
        os.environ.get(name) if name else None,
        password_env=name,
        connect_timeout=CHECK_TIMEOUT,
        request_timeout=CHECK_TIMEOUT,
    )
    try:
        await client.connect()
        stream = await client.get_stream_status()
        record = await client.get_record_status()
    except ObsError:
        return []
    finally:
        await client.close()
    return [name for name, on in (("streaming", stream.active), ("recording", record.active)) if on]


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to the end from synchronous code, inside a running loop or not."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="preflight") as pool:
        return pool.submit(asyncio.run, coro).result()
