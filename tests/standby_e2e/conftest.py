"""Fixtures for the standby's multi-process tests: a private mosquitto and a proxy in front of it.

Where mosquitto or OBS is not installed the tests skip with the reason — except under
CI (the CI environment variable set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.broker_proxy import BrokerProxy
from tests.obs.headless import HeadlessObs, HeadlessObsError, obs_missing_reason
from tests.rooms.broker import Broker, mosquitto_missing_reason

from .pair import SCENES


def need(reason: str | None) -> None:
    """Skip (fail under CI) when a real part is missing."""
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    need(mosquitto_missing_reason())
    b = Broker(tmp_path / "broker")
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def proxy(broker: Broker) -> Iterator[BrokerProxy]:
    p = BrokerProxy(broker.port)
    p.start()
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture(scope="session")
def standby_obs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadlessObs]:
    """One real headless OBS for the session; each pair resets it (`pair.pair`)."""
    need(obs_missing_reason())
    obs = HeadlessObs(Path(tmp_path_factory.mktemp("standby-obs")), scenes=SCENES, fps=30)
    try:
        obs.start()
    except HeadlessObsError as exc:
        pytest.fail(f"could not start OBS headless: {exc}")
    try:
        yield obs
    finally:
        obs.stop()
