"""Read a programme file's bytes and text, turning every OS failure into a diagnostic."""

from __future__ import annotations

from pathlib import Path

from timekeeper.programme.diagnostics import Report

MAX_BYTES = 16 * 1024 * 1024  # a programme is a few kB; this guards against /dev/zero


def read_bytes(path: Path, report: Report) -> bytes | None:
    """The file's bytes, or None with the reason reported."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        report.error(None, "no such file; expected the path of a programme YAML file")
        return None
    except IsADirectoryError:
        report.error(None, "this is a directory; expected a programme YAML file")
        return None
    except PermissionError:
        report.error(None, "cannot read this file: permission denied")
        return None
    except OSError as exc:
        report.error(None, f"cannot read this file: {exc.strerror or exc}")
        return None
    if len(data) > MAX_BYTES:
        report.error(None, f"the file is larger than {MAX_BYTES // 2**20} MB; is it a programme?")
        return None
    return data


def decode(data: bytes, report: Report) -> str | None:
    """UTF-8 text (a leading byte-order mark is dropped), or None with the place reported."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start)
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        report.error(
            (line, col),
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
        )
        return None
