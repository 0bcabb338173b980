"""Fixtures for the OBS tests: the in-process fake server, controllers, and a real headless OBS.

The real OBS is started once per session (about 1–2 s) and shared; tests that
kill it restart it, and `real_obs` puts it back to a known state before each
test. Where OBS cannot run the integration tests skip with the reason — except
under CI (the CI environment variable set), where they fail: CI must run them.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.obs.fake import FakeObs
from timekeeper.core.clock import SystemClock
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController, RetryPolicy, SwitchPolicy
from timekeeper.obs.events import ObsEvent

from .headless import HeadlessObs, HeadlessObsError, obs_missing_reason, reset

PASSWORD = "fake-secret-pw-9f3"


class Recorder:
    """Collects controller events; lets a test wait for one of a kind."""

    def __init__(self) -> None:
        self.events: list[ObsEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: ObsEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.kind == kind]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0, **match: Any) -> Any:
        """The `count`-th event of `kind` whose fields equal `match`."""

        def found() -> list[ObsEvent]:
            return [e for e in self.of(kind) if all(getattr(e, k) == v for k, v in match.items())]

        async def wait() -> ObsEvent:
            while len(found()) < count:
                self._changed.clear()
                await self._changed.wait()
            return found()[count - 1]

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {kind} {match} within {timeout}s; got {self.kinds()}"
            ) from None


@pytest.fixture
async def fake() -> AsyncIterator[FakeObs]:
    async with FakeObs(password=PASSWORD) as server:
        yield server


ControllerFactory = Callable[..., tuple[ObsController, Recorder]]


@pytest.fixture
async def make_controller() -> AsyncIterator[ControllerFactory]:
    """Build controllers with fast policies (tests should not wait out real-show timeouts)."""
    made: list[ObsController] = []

    def factory(
        url: str,
        password: str | None = PASSWORD,
        *,
        request_timeout: float = 1.0,
        connect_timeout: float = 2.0,
        **kwargs: Any,
    ) -> tuple[ObsController, Recorder]:
        recorder = Recorder()
        kwargs.setdefault("retry", RetryPolicy(initial=0.05, factor=2, maximum=0.2, jitter=0))
        kwargs.setdefault(
            "switch_policy", SwitchPolicy(confirm_timeout=0.3, retries=2, retry_interval=0.05)
        )
        kwargs.setdefault("clock", SystemClock())
        client = ObsClient(
            url,
            password,
            password_env="OBS_TEST_PASSWORD",
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
        )
        controller = ObsController(client, on_event=recorder, **kwargs)
        made.append(controller)
        return controller, recorder

    yield factory
    for controller in made:
        await controller.stop()


# ---------------------------------------------------------------------- real OBS


@pytest.fixture(scope="session")
def headless_obs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadlessObs]:
    reason = obs_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-OBS tests, but {reason}")
        pytest.skip(f"real OBS not available: {reason}")
    obs = HeadlessObs(Path(tmp_path_factory.mktemp("obs")), fps=30)
    try:
        obs.start()
    except HeadlessObsError as exc:
        pytest.fail(f"could not start OBS headless: {exc}")
    yield obs
    obs.stop()


@pytest.fixture
def real_obs(headless_obs: HeadlessObs) -> HeadlessObs:
    """The shared OBS, running, on its first scene, studio mode off, not recording."""
    if not headless_obs.obs_running:
        headless_obs.start_obs()
    reset(headless_obs)
    # let the switch's event pass, or it would reach the test's controller as a hand switch
    time.sleep(0.05)
    return headless_obs
