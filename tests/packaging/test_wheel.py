"""A newcomer's install: the wheel alone, in a fresh environment, from the runtime lock.

A file missing from the package, or a module that imports something `pyproject.toml` does not
list, works in the developers' editable checkout and fails only for a user. So this builds the
wheel, installs it outside the repository into a new virtual environment with nothing but the
locked runtime dependencies, and uses it there as a user would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(600)]  # the venv: 133 s under load


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    shutil.copytree(
        ROOT, build / "src", ignore=shutil.ignore_patterns(".venv", ".git", "runs", "*.egg-info")
    )
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", out, build / "src", cwd=build,
    )  # fmt: skip
    (found,) = out.glob("timekeeper-*.whl")
    return found


@pytest.fixture(scope="module")
def newcomer(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment holding the wheel and the locked runtime dependencies only."""
    home = tmp_path_factory.mktemp("newcomer")
    venv.create(home / "env", with_pip=True)
    pip = home / "env" / "bin" / "pip"
    lock = ROOT / "requirements" / "runtime.lock"
    _run(pip, "install", "-q", "--require-hashes", "--no-deps", "-r", lock, cwd=home)
    _run(pip, "install", "-q", "--no-deps", wheel, cwd=home)
    _run(pip, "check", cwd=home)  # the lock satisfies everything the wheel declares
    return home


def test_the_wheel_carries_every_package_file(wheel: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "timekeeper"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:  # not a git checkout (an sdist): every file on disk
        tracked = [
            str(p.relative_to(ROOT)) for p in (ROOT / "timekeeper").rglob("*") if p.is_file()
        ]
    wanted = {name for name in tracked if "__pycache__" not in name}
    assert wanted, "no package files found"
    inside = set(zipfile.ZipFile(wheel).namelist())
    assert wanted - inside == set()


def test_a_newcomer_checks_and_rehearses_the_seed(newcomer: Path) -> None:
    shutil.copy(ROOT / "programme.yaml", newcomer / "programme.yaml")
    timekeeper = newcomer / "env" / "bin" / "timekeeper"
    checked = _run(timekeeper, "check", "programme.yaml", cwd=newcomer)
    assert "Panel" in checked.stdout and "Reception" in checked.stdout
    ran = _run(
        timekeeper, "run", "programme.yaml", "--dry-run", "--headless", "--at", "17:29:58",
        "--speed", "600", "--port", "0", cwd=newcomer, timeout=120,
    )  # fmt: skip
    events = [json.loads(line)["event"] for line in ran.stdout.splitlines()]
    assert events[0] == "run_started" and "show_ended" in events
    assert list((newcomer / "runs").glob("*.jsonl")), "the as-run log was not written"


def test_the_installed_package_imports_without_the_repository(newcomer: Path) -> None:
    python = newcomer / "env" / "bin" / "python"
    done = _run(
        python, "-c",
        "import importlib.resources as r, timekeeper.ui.app, timekeeper.speaker.server;"
        "import timekeeper, sys; print(timekeeper.__file__);"
        "print(sum(1 for _ in r.files('timekeeper').rglob('*.tcss')))",
        cwd=newcomer,
    )  # fmt: skip
    where, sheets = done.stdout.split()
    assert str(ROOT) not in where and "site-packages" in where
    assert int(sheets) >= 1
