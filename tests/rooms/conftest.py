"""Fixtures for the rooms tests: a private mosquitto per test (tests/rooms/broker.py).

Where mosquitto is not installed the broker tests skip with the reason — except
under CI (the CI environment variable set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .broker import Broker, mosquitto_missing_reason


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    reason = mosquitto_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    b = Broker(tmp_path / "broker")
    b.start()
    try:
        yield b
    finally:
        b.stop()
