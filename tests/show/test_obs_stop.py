"""The OBS service's stop is bounded whatever OBS does (issue 20: quitting within 2 s).

OBS here never confirms what it was asked (a hung OBS): the director's wait for the
outputs, which swallows cancels as asyncio.wait_for can on Python 3.11, would hold the
quit for ever. The operator quitting gets `QUIT_STOP_WITHIN`; a show that has ended gets
the director's longer grace for its last outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from timekeeper.app.assembly import build_runtime
from timekeeper.app.obs_service import CLOSE_WITHIN, QUIT_STOP_WITHIN, ObsService
from timekeeper.app.run_options import RunOptions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_obs() -> Iterator[str]:
    """An OBS that accepts the connection and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"


async def test_quitting_while_obs_never_confirms_stops_within_the_bound(
    tmp_path: Path, silent_obs: str
) -> None:
    options = RunOptions(
        REPO / "programme.yaml", dry_run=True, at="16:09:30", headless=True, port=0,
        log=tmp_path / "run.jsonl", obs_url=silent_obs,
    )  # fmt: skip
    runtime = build_runtime(options)
    service = next(s for s in runtime.services if isinstance(s, ObsService))
    await service.start(runtime)
    waits: list[float] = []

    async def never_confirmed(timeout: float) -> None:
        waits.append(timeout)
        for _ in range(5):  # cancels swallowed, as wait_for can
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    service.controller.finish_actions = never_confirmed  # type: ignore[method-assign]
    start = time.monotonic()
    stopping = asyncio.get_running_loop().create_task(service.stop())
    done, _ = await asyncio.wait({stopping}, timeout=QUIT_STOP_WITHIN + CLOSE_WITHIN + 1.0)
    took = time.monotonic() - start
    assert stopping in done, f"the OBS service still stopping {took:.1f} s after the quit"
    assert waits and took < QUIT_STOP_WITHIN + CLOSE_WITHIN + 0.5
    runtime.close()
