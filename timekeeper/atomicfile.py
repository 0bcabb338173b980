"""Files written whole or not at all: a temporary file in the same folder, fsync, rename.

Owns `write_files` (and `write_file` for one): every file's temporary is written
and flushed to disk first, and only when all of them are there are they renamed
over their targets, so a disk that fills, a crash or a refused write leaves
every target as it was (the temporaries are removed). A rename within one
folder is atomic, so a reader sees the old file or the new one, never a prefix.
A target that is a symlink is written through (the link stays a link); an
existing target's permission bits are kept. `OSError` is raised as it came, with
the path that failed as its `filename`; the callers turn it into their message.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

#: How a temporary is filled: open binary file, bytes. Tests inject one that fails.
Writer = Callable[[int, bytes], None]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_file(path: str | Path, data: bytes | str, *, writer: Writer | None = None) -> None:
    """Replace `path` with `data` (str is written as UTF-8) atomically."""
    write_files([(Path(path), data)], writer=writer)


def write_files(files: Sequence[tuple[Path, bytes | str]], *, writer: Writer | None = None) -> None:
    """Replace every path with its data: all temporaries first, then the renames."""
    writer = writer or _write_all
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            target = _target(Path(path))
            staged.append((_stage(target, _bytes(data), writer), target))
    except BaseException:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    folders: set[Path] = set()
    for index, (temporary, target) in enumerate(staged):
        try:
            os.replace(temporary, target)
        except OSError:
            for left, _ in staged[index:]:
                with contextlib.suppress(OSError):
                    os.unlink(left)
            raise
        folders.add(target.parent)
    for folder in folders:
        _sync_folder(folder)


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _target(path: Path) -> Path:
    """The file a write lands in: a symlink's target (so the link stays), else the path."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _stage(target: Path, data: bytes, writer: Writer) -> str:
    """A flushed temporary beside `target` holding `data`; its name."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, _mode(target))
        try:
            writer(fd, data)
            os.fsync(fd)
        except OSError as exc:
            if exc.filename is None:
                exc.filename = str(target)
            raise
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    os.close(fd)
    return name


def _mode(target: Path) -> int:
    """The existing file's permission bits, else what a new file gets under the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the renames durable; some file systems cannot fsync a folder (ignored)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
