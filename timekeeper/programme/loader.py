"""Load a programme file: YAML -> validated models -> the frozen core `Programme`.

Every problem in the file is collected before giving up, so one run of
`timekeeper check` shows them all; any failure raises `InvalidProgrammeError`
(a `ProgrammeError`) whose `.problems` lists them with their lines.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from timekeeper.core.programme import Programme
from timekeeper.programme.build import build_programme
from timekeeper.programme.checks import Checker
from timekeeper.programme.diagnostics import Diagnostic, InvalidProgrammeError, Report
from timekeeper.programme.ids import derive_ids
from timekeeper.programme.source import decode, read_bytes
from timekeeper.programme.timeline import Placed, Timeline
from timekeeper.programme.validate import Parts, validate
from timekeeper.programme.yamldoc import compose


def load_programme(path: str | Path) -> Programme:
    """The programme in the file at `path`; raises InvalidProgrammeError listing every problem."""
    return load_programme_with_warnings(path)[0]


def load_programme_with_warnings(path: str | Path) -> tuple[Programme, list[Diagnostic]]:
    """The programme and the warnings about it (a gap, a slot without a scene, ...)."""
    report = Report(str(path))
    data = read_bytes(Path(path), report)
    text = decode(data, report) if data is not None else None
    if data is None or text is None:
        raise InvalidProgrammeError(report.sorted())
    return _load(text, data, report)


def read_programme(path: str | Path) -> tuple[Programme, bytes, list[Diagnostic]]:
    """The programme, the exact bytes it was read from (what its digest hashes), and warnings."""
    report = Report(str(path))
    data = read_bytes(Path(path), report)
    text = decode(data, report) if data is not None else None
    if data is None or text is None:
        raise InvalidProgrammeError(report.sorted())
    programme, warnings = _load(text, data, report)
    return programme, data, warnings


def load_programme_data(data: bytes, source_name: str) -> Programme:
    """The programme in `data` (a file's bytes kept elsewhere, e.g. beside an as-run log)."""
    report = Report(source_name)
    text = decode(data, report)
    if text is None:
        raise InvalidProgrammeError(report.sorted())
    return _load(text, data, report)[0]


def load_programme_text(text: str, source_name: str = "<text>") -> Programme:
    """The programme in `text` (for tests); diagnostics name `source_name` as the file."""
    return load_programme_text_with_warnings(text, source_name)[0]


def load_programme_text_with_warnings(
    text: str, source_name: str = "<text>"
) -> tuple[Programme, list[Diagnostic]]:
    """Like load_programme_with_warnings, from text already in memory."""
    return _load(text, text.encode("utf-8"), Report(source_name))


def _load(text: str, data: bytes, report: Report) -> tuple[Programme, list[Diagnostic]]:
    composed = compose(text, report)
    if composed is None:
        raise InvalidProgrammeError(report.sorted())
    document, locations = composed
    if document is None:
        report.error((0, 0), "the file is empty; a programme needs 'event:' and 'slots:'")
        raise InvalidProgrammeError(report.sorted())
    parts = validate(document, locations, report)
    placed: list[Placed | None] = []
    if parts.timeline_event is not None:
        placed = Timeline(parts.timeline_event, locations, report).place_all(parts.slots)
    Checker(parts, locations, report).run(placed)
    if report.has_errors or not parts.complete or None in placed:
        raise InvalidProgrammeError(report.sorted())
    return _programme(parts, placed, report.file, data), report.warnings()


def _programme(parts: Parts, placed: list[Placed | None], source: str, data: bytes) -> Programme:
    assert parts.event is not None and parts.defaults is not None  # parts.complete
    assert parts.late is not None
    spots = [spot for spot in placed if spot is not None]
    models = [spot.model for spot in spots]
    ids = derive_ids([model.id for model in models], [model.title for model in models])
    return build_programme(
        parts.event,
        parts.obs,
        parts.defaults,
        list(zip(ids, spots, strict=True)),
        source,
        hashlib.sha256(data).hexdigest(),
        parts.late,
    )
