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


def _probe(prefix: str = "") -> dict[str, list[str]]:
    """Run the probe in a fresh interpreter (after `prefix`, code to run first)."""
    done = subprocess.run(
        [sys.executable, "-c", prefix + PROBE, *HEAVY],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_core_and_all_its_submodules_load_no_heavy_library() -> None:
    result = _probe()
    assert "timekeeper.core.engine" in result["imported"]  # the walk found the submodules
    assert len(result["imported"]) > 3
    assert result["heavy"] == []


def test_the_probe_would_notice_a_heavy_import() -> None:
    """The same probe, importing yaml on purpose, reports it (the check is not vacuous)."""
    assert _probe("import yaml\n")["heavy"] == ["yaml"]
