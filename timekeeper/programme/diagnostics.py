"""Problems found in a programme file, each pinned to a line and column.

A check reports every problem at once, so diagnostics are collected in a
`Report` rather than raised one by one; only at the end does the loader turn
the errors into a single `InvalidProgrammeError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from timekeeper.errors import ProgrammeError


class Severity(StrEnum):
    """Errors make the programme unusable; warnings are worth a look but do not fail."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, printed compiler-style as `FILE:LINE:COL: severity: message`.

    `line` and `col` are 1-based; both are None when the problem concerns the
    whole file (for example, the file does not exist).
    """

    file: str
    line: int | None
    col: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.col or 1}"
        return f"{where}: {self.severity}: {self.message}"


def format_diagnostics(problems: Iterable[Diagnostic]) -> str:
    """One diagnostic per line, in the order given."""
    return "\n".join(str(p) for p in problems)


def sort_key(problem: Diagnostic) -> tuple[int, int]:
    """File order: whole-file problems first, then by line and column."""
    return (problem.line or 0, problem.col or 0)


class InvalidProgrammeError(ProgrammeError):
    """A programme that cannot be used, with every problem found in it.

    `problems` holds the errors and the warnings found alongside them; str()
    is the formatted list, so a caller that only prints the error shows it all.
    """

    def __init__(self, problems: list[Diagnostic]) -> None:
        self.problems = problems
        super().__init__(format_diagnostics(problems))

    @property
    def errors(self) -> list[Diagnostic]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


@dataclass
class Report:
    """Collects diagnostics for one file; marks are 0-based (line, col) as YAML gives them."""

    file: str
    problems: list[Diagnostic] = field(default_factory=list)

    def error(self, mark: tuple[int, int] | None, message: str) -> None:
        self._add(mark, Severity.ERROR, message)

    def warning(self, mark: tuple[int, int] | None, message: str) -> None:
        self._add(mark, Severity.WARNING, message)

    def _add(self, mark: tuple[int, int] | None, severity: Severity, message: str) -> None:
        line, col = (None, None) if mark is None else (mark[0] + 1, mark[1] + 1)
        self.problems.append(Diagnostic(self.file, line, col, severity, message))

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.problems, key=sort_key)

    def warnings(self) -> list[Diagnostic]:
        return [p for p in self.sorted() if p.severity is Severity.WARNING]
