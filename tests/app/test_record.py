"""The run is one frozen record, assembled once: no field is set after it is built, and no
service is built twice (the record's OBS handle and programme watch are the services run)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from timekeeper.app import assembly
from timekeeper.app.run_options import RunOptions

REPO = Path(__file__).resolve().parents[2]


def _options(tmp_path: Path) -> RunOptions:
    """Every service wanted: OBS (the programme names it), speaker screens, OSC, the watch."""
    return RunOptions(
        REPO / "programme.yaml", dry_run=True, at="16:00", headless=True, log=tmp_path, osc_port=0
    )


def test_the_run_is_a_frozen_record(tmp_path: Path) -> None:
    runtime = assembly.build_runtime(_options(tmp_path))
    try:
        for name, value in [("obs", None), ("services", ()), ("watch", None), ("own_log", None)]:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(runtime, name, value)
        assert not hasattr(runtime, "listeners") and not hasattr(runtime, "__dict__")
    finally:
        runtime.close()


def test_the_assembly_builds_each_service_once_and_hands_out_those(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: Counter[str] = Counter()
    for name in ("ObsService", "ProgrammeWatch", "ClockCheck", "SpeakerService"):
        original = getattr(assembly, name)
        counted = type(name, (original,), {"__init__": _counting(original, name, built)})
        monkeypatch.setattr(assembly, name, counted)
    runtime = assembly.build_runtime(_options(tmp_path))
    try:
        assert built == {"ObsService": 1, "ProgrammeWatch": 1, "ClockCheck": 1, "SpeakerService": 1}
        names = [s.name for s in runtime.services]
        assert sorted(names) == sorted(
            ["speaker_server", "clock", "as_run_log_retry", "obs", "programme_watch", "osc"]
        )
        assert len({id(s) for s in runtime.services}) == len(runtime.services)
        # the handles the front ends use are the services that run, not second copies
        running = {id(s) for s in runtime.services}
        assert id(runtime.obs) in running and id(runtime.watch) in running
        status = runtime.read_obs_status()
        obs = next(s for s in runtime.services if s.name == "obs")
        assert status is not None and status is obs.controller.status  # type: ignore[attr-defined]
    finally:
        runtime.close()


def _counting(original: type, name: str, built: Counter[str]) -> object:
    def __init__(self: object, *args: object, **kwargs: object) -> None:
        built[name] += 1
        original.__init__(self, *args, **kwargs)  # type: ignore[misc]

    return __init__
