"""Bad files in fixtures/ carry their expected diagnostics as `#! severity: text` comments.

Each annotated line must get a diagnostic of that severity containing the text,
on that very line; and no line may get an error that is not annotated, so a
fixture documents exactly what `timekeeper check` says about it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timekeeper.programme import Diagnostic, InvalidProgrammeError, Severity
from timekeeper.programme.loader import load_programme_with_warnings

from .helpers import FIXTURES

_EXPECT = re.compile(r"#! (error|warning): (.*)$")


def _expected(path: Path) -> list[tuple[int, Severity, str]]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            found.append((number, Severity(match.group(1)), match.group(2).strip()))
    return found


def _diagnostics(path: Path) -> list[Diagnostic]:
    try:
        return load_programme_with_warnings(path)[1]
    except InvalidProgrammeError as exc:
        return exc.problems


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fixture_diagnostics_match_annotations(path: Path) -> None:
    got = _diagnostics(path)
    expected = _expected(path)
    assert expected, f"{path.name} has no #! annotations"
    for line, severity, text in expected:
        here = [d for d in got if d.line == line and d.severity is severity]
        assert any(text in d.message for d in here), (
            f"{path.name}:{line}: expected {severity} containing {text!r}; got "
            + "\n".join(map(str, got))
        )
    annotated = {line for line, _, _ in expected}
    unexpected = [d for d in got if d.line not in annotated]
    assert not unexpected, "unannotated diagnostics:\n" + "\n".join(map(str, unexpected))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_fixture_diagnostics_name_the_file(path: Path) -> None:
    assert all(d.file == str(path) for d in _diagnostics(path))


def test_warnings_fixture_is_valid() -> None:
    programme, warnings = load_programme_with_warnings(FIXTURES / "warnings.yaml")
    assert [slot.id for slot in programme.slots] == ["intro", "panel", "keynote"]
    assert all(w.severity is Severity.WARNING for w in warnings)
