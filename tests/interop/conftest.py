"""Schedules for the interop tests: our own fixtures, and real published ones when present.

The real ones (the pretalx demo conference and the frab Camp 2019 schedule.json,
c3voc's schema.json and frab's schedule.xml.xsd, from the c3voc `schedule`
repository's validator) are not
committed here (see fixtures/README.md): they are read from the folder named by
TIMEKEEPER_SCHEDULE_SAMPLES, else from `shared/schedules/` beside the repository
(where CI finds the workplace's shared folder); tests that need one skip without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
_REPO = Path(__file__).resolve().parents[2]


def samples_dir() -> Path:
    given = os.environ.get("TIMEKEEPER_SCHEDULE_SAMPLES")
    return Path(given) if given else _REPO.parent / "shared" / "schedules"


SampleFinder = Callable[[str], Path]


@pytest.fixture
def real_sample() -> SampleFinder:
    def find(name: str) -> Path:
        path = samples_dir() / name
        if not path.is_file():
            pytest.skip(f"real schedule {name} not found in {samples_dir()}")
        return path

    return find
