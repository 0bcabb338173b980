"""Fixtures for the end-to-end tests: one real headless OBS for the module, reset per test.

Like tests/obs: where OBS cannot run the tests skip with the reason — except
under CI (the CI environment variable set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs, HeadlessObsError, obs_missing_reason, reset

# The first scene is where OBS starts; no slot uses it, so every slot's switch is a real one.
SCENES = ("Holding", "Intro", "Keynote", "Panel", "Q&A", "Reception", "Closing")


@pytest.fixture(scope="session")
def e2e_obs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeadlessObs]:
    reason = obs_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the end-to-end OBS tests, but {reason}")
        pytest.skip(f"real OBS not available: {reason}")
    obs = HeadlessObs(Path(tmp_path_factory.mktemp("e2e-obs")), scenes=SCENES, fps=30)
    try:
        obs.start()
    except HeadlessObsError as exc:
        pytest.fail(f"could not start OBS headless: {exc}")
    try:
        yield obs
    finally:
        obs.stop()


@dataclass
class ObsUnderTest:
    """The shared OBS as one test found it: recordings and OBS log lines since then."""

    obs: HeadlessObs
    recordings_before: frozenset[Path]
    log_offset: int

    @property
    def url(self) -> str:
        return self.obs.url

    @property
    def password(self) -> str:
        return self.obs.password

    def new_recordings(self) -> list[Path]:
        return sorted(set(self.obs.recordings.iterdir()) - self.recordings_before)

    def log_since(self) -> str:
        """What OBS wrote to its log during the test (all its starts and kills)."""
        with open(self.obs.obs_log, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode("utf-8", "replace")

    def record_starts(self) -> int:
        """How many times OBS started recording (one per StartRecord it acted on)."""
        return self.log_since().count("==== Recording Start")

    def program_scene(self) -> str:
        return str(self.obs.request("GetCurrentProgramScene")["currentProgramSceneName"])

    def recording(self) -> bool:
        return bool(self.obs.request("GetRecordStatus")["outputActive"])

    def recording_settled(self, timeout: float = 10) -> bool:
        """Whether OBS records once a stop it was asked for has gone through (StopRecord
        answers before the output has stopped)."""
        deadline = time.monotonic() + timeout
        while self.recording() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.recording()


@pytest.fixture
def obs(e2e_obs: HeadlessObs) -> Iterator[ObsUnderTest]:
    """The shared OBS running, on its first scene with a Cut transition, not recording."""
    if not e2e_obs.obs_running:
        e2e_obs.start_obs()
    reset(e2e_obs)
    under_test = ObsUnderTest(
        e2e_obs, frozenset(e2e_obs.recordings.iterdir()), e2e_obs.obs_log.stat().st_size
    )
    yield under_test
    if not e2e_obs.obs_running:  # a test that killed OBS leaves it running for the next
        e2e_obs.start_obs()
    if under_test.recording():
        e2e_obs.request("StopRecord")
