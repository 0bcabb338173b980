"""The programme file: YAML in, a validated frozen `timekeeper.core.programme.Programme` out.

Public API:
- `load_programme(path)`, `load_programme_with_warnings(path)`: read a file;
- `load_programme_text(text, source_name)`: the same from a string (tests);
- `InvalidProgrammeError` (a `timekeeper.errors.ProgrammeError`) with `.problems`,
  a list of `Diagnostic(file, line, col, severity, message)`;
- `render_timeline(programme)`: the plain-text table `timekeeper check` prints;
- `programme_json_schema()`: the JSON Schema of the file format;
- `TEXT_PLACEHOLDERS`: what OBS text templates may use.
"""

from timekeeper.programme.diagnostics import (
    Diagnostic,
    InvalidProgrammeError,
    Severity,
    format_diagnostics,
)
from timekeeper.programme.loader import (
    load_programme,
    load_programme_text,
    load_programme_text_with_warnings,
    load_programme_with_warnings,
)
from timekeeper.programme.templates import TEXT_PLACEHOLDERS

__all__ = [
    "TEXT_PLACEHOLDERS",
    "Diagnostic",
    "InvalidProgrammeError",
    "Severity",
    "format_diagnostics",
    "load_programme",
    "load_programme_text",
    "load_programme_text_with_warnings",
    "load_programme_with_warnings",
]
