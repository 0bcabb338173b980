"""Shared helpers for the programme tests: load text, collect diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from timekeeper.core.programme import Programme
from timekeeper.programme import (
    Diagnostic,
    InvalidProgrammeError,
    load_programme_text_with_warnings,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "programme.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

HEAD = """\
event:
  title: Test event
  date: 2023-11-20
  timezone: Europe/Amsterdam
"""


def problems(text: str) -> list[Diagnostic]:
    """Every diagnostic of `text`: the errors (it must be invalid) and the warnings."""
    with pytest.raises(InvalidProgrammeError) as caught:
        load_programme_text_with_warnings(text, "test.yaml")
    return caught.value.problems


def messages(text: str) -> list[str]:
    """The diagnostics of an invalid `text` as printed, `test.yaml:LINE:COL: error: ...`."""
    return [str(problem) for problem in problems(text)]


def load(text: str) -> tuple[Programme, list[Diagnostic]]:
    return load_programme_text_with_warnings(text, "test.yaml")
