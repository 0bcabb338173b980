"""Files are written whole or not at all: a disk that fills mid-way leaves every file as it was.

The real case runs the CLI against a tiny tmpfs mounted by the test (root only; skipped
elsewhere); the same promise is also checked everywhere with a writer that fails on the
fourth file of a five-room re-import.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from timekeeper import atomicfile
from timekeeper.atomicfile import write_file
from timekeeper.cli import main

from .conftest import FIXTURES

ROOMS = ["Aula", "Bar", "Club", "Dome", "Eden"]


def _running_order(path: Path, suffix: str = "") -> Path:
    rows = ["id,title,room,start,duration,date,timezone"]
    for n, room in enumerate(ROOMS):
        rows.append(f"talk-{n},Talk {n}{suffix},{room},10:00,45m,2024-05-01,Europe/Berlin")
        rows.append(f"panel-{n},Panel {n}{suffix},{room},11:00,30m,2024-05-01,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _team_edits(folder: Path) -> None:
    for programme in folder.glob("*.yaml"):
        if programme.name != "venue.yaml":
            with programme.open("a", encoding="utf-8") as handle:
                handle.write("# the team's note: mic 2 is flaky\n")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_reimport_that_fails_on_the_fourth_file_writes_no_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rooms"
    folder.mkdir()
    assert (
        main(["import", str(_running_order(tmp_path / "v1.csv")), "--all-rooms", str(folder)]) == 0
    )
    _team_edits(folder)
    before = _files(folder)
    calls: list[int] = []

    def fills_up(fd: int, data: bytes) -> None:
        calls.append(fd)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.write(fd, data)

    monkeypatch.setattr(atomicfile, "_write_all", fills_up)
    capsys.readouterr()
    code = main(["import", str(_running_order(tmp_path / "v2.csv", " (v2)")), "--all-rooms",
                 str(folder)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "No space left on device; nothing was written in" in err
    assert len(calls) == 4
    assert _files(folder) == before  # every room as it was, and no temporary left behind


@contextlib.contextmanager
def _tiny_disk(where: Path) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
                             capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def _fill(disk: Path) -> None:
    """Take every free byte of the disk."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timekeeper.cli", *args], capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_a_full_disk_leaves_every_team_programme_as_it_was(tmp_path: Path) -> None:
    from .test_reimport import _changed_upstream

    with _tiny_disk(tmp_path / "disk") as disk:
        folder = disk / "rooms"
        folder.mkdir()
        assert _cli("import", str(FIXTURES / "nightcamp-frab.xml"), "--all-rooms",
                    str(folder)).returncode == 0  # fmt: skip
        _team_edits(folder)
        before = _files(folder)
        _fill(disk)
        done = _cli("import", str(_changed_upstream(tmp_path)), "--all-rooms", str(folder))
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "No space left on device; nothing was written in" in done.stderr
        assert _files(folder) == before
        single = folder / "main-hall.yaml"
        done = _cli("import", str(_changed_upstream(tmp_path)), "--room", "Main Hall", "-o",
                    str(single))  # fmt: skip
        assert done.returncode == 2 and "the file is as it was" in done.stderr
        assert _files(folder) == before


@pytest.mark.parametrize(
    "command",
    [
        ["export", "{programme}", "--format", "csv", "-o", "{target}"],
        ["schema", "-o", "{target}"],
    ],
)
def test_other_writers_replace_whole_files(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    programme = tmp_path / "main.yaml"
    assert main(["import", str(FIXTURES / "nightcamp-frab.xml"), "--room", "Main Hall", "-o",
                 str(programme)]) == 0  # fmt: skip
    target = tmp_path / "out"
    target.write_text("the old contents\n")

    def fails(fd: int, data: bytes) -> None:
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomicfile, "_write_all", fails)
    args = [a.format(programme=programme, target=target) for a in command]
    assert main(args) == 2
    assert target.read_text() == "the old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.yaml", "out"]


def test_a_symlinked_file_stays_a_link_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "programme.yaml"
    link.symlink_to(real)
    write_file(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert real.stat().st_mode & 0o777 == 0o640


def test_init_that_cannot_finish_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(fd: int, data: bytes) -> None:
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomicfile, "_write_all", fails)
    assert main(["init", "-o", str(tmp_path / "programme.yaml")]) == 2
    assert list(tmp_path.iterdir()) == []  # neither a cut programme nor a temporary
