"""The diagnostics log never writes a traceback on stderr when its file cannot be written."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from timekeeper.app import diagnostics


def test_a_diagnostics_log_that_cannot_be_written_is_quiet_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = diagnostics.install(tmp_path / "run.diagnostics.log")
    assert isinstance(handler, diagnostics.QuietFileHandler)
    try:
        logging.getLogger("timekeeper.test").warning("written")
        assert "written" in (tmp_path / "run.diagnostics.log").read_text(encoding="utf-8")
        assert handler.stream is not None
        handler.stream.close()  # as when the folder turns read-only or the disk is full
        handler.stream = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115
        logging.getLogger("timekeeper.test").warning("lost")
        logging.getLogger("timekeeper.test").warning("lost too")
    finally:
        diagnostics.uninstall(handler)
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err
    assert handler.failed == 2
