"""The chaos harness's programme: a valid conference day holding what issue 20 asks for."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from bench.chaos.programme import edited_text, invalid_text, write_programme
from timekeeper.errors import ProgrammeError
from timekeeper.programme.loader import load_programme


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_day_has_what_a_show_day_has_and_is_valid(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "programme.yaml"
    made = write_programme(path, "ws://127.0.0.1:4455", seed=seed)
    loaded = load_programme(path)
    slots = made.doc["slots"]
    assert len(loaded.slots) == made.slots >= 40
    assert any(s.get("turns") for s in slots), "a panel with turns"
    assert any(s.get("advance") == "manual" for s in slots), "a manual slot"
    assert sum(bool(s.get("hard")) for s in slots) == 1, "one hard start"
    actions = {a for s in slots for a in s.get("on_start", []) + s.get("on_end", [])}
    assert actions == {"start_streaming", "stop_streaming", "start_recording", "stop_recording"}
    scenes = [s["scene"] for s in slots]
    assert all(a != b for a, b in pairwise(scenes)), "every boundary switches"
    assert "Holding" in scenes[1:], "a changeover on the holding scene"
    [ext] = made.extensions
    assert ext.slot in {s["id"] for s in slots} and ext.send_at < ext.slot_end


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    write_programme(a, "ws://x:1", seed=7)
    write_programme(b, "ws://x:1", seed=7)
    write_programme(c, "ws://x:1", seed=8)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_three_days_for_the_soak(tmp_path: Path) -> None:
    made = write_programme(tmp_path / "p.yaml", "ws://x:1", seed=1, days=3)
    assert len(load_programme(made.path).slots) == made.slots >= 120
    assert made.seconds > 24 * 3600 and len(made.extensions) == 3


def test_the_typo_is_invalid_and_the_edit_valid(tmp_path: Path) -> None:
    made = write_programme(tmp_path / "p.yaml", "ws://x:1", seed=1)
    valid = made.path.read_text(encoding="utf-8")
    made.path.write_text(invalid_text(valid), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="durration"):
        load_programme(made.path)
    change = edited_text(made.doc, made.start)
    assert change is not None
    text, slot = change
    made.path.write_text(text, encoding="utf-8")
    titles = {s.id: s.title for s in load_programme(made.path).slots}
    assert titles[slot].endswith("(retitled)")
