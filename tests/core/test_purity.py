"""timekeeper.core stays pure: importing it (every submodule) loads no UI, network or
validation library. The import-linter contract checks the imports as written; this checks
what actually gets loaded, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("textual", "aiohttp", "simpleobsws", "pydantic", "yaml")

PROBE = """
import importlib, json, pkgutil, sys
import timekeeper.core
names = ["timekeeper.core"]
for info in pkgutil.walk_packages(timekeeper.core.__path__, "timekeeper.core."):
    importlib.import_module(info.name)
    names.append(info.name)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(json.dumps({"imported": names, "heavy": heavy}))
"""


def test_core_and_all_its_submodules_load_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "timekeeper.core.engine" in result["imported"]  # the walk found the submodules
    assert len(result["imported"]) > 3
    assert result["heavy"] == []


def test_the_probe_would_notice_a_heavy_import() -> None:
    """The same probe, importing yaml on purpose, reports it (the check is not vacuous)."""
    probe = "import yaml\n" + PROBE
    done = subprocess.run(
        [sys.executable, "-c", probe, *HEAVY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["heavy"] == ["yaml"]
