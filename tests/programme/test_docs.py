"""Every YAML example in docs/programme-format.md is a valid programme (or part of one)."""

from __future__ import annotations

import re

import pytest

from .helpers import HEAD, REPO, load

DOC = (REPO / "docs" / "programme-format.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)
SLOT = 'slots:\n  - {title: Example, start: "09:00", duration: 10m, scene: Stage}\n'


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.strip() and ":" in b])
def test_doc_example_is_valid(block: str) -> None:
    if block.lstrip().startswith("# yaml-language-server") and "event:" not in block:
        pytest.skip("the schema comment alone")
    text = ("" if "event:" in block else HEAD) + block + ("" if "slots:" in block else SLOT)
    programme, _ = load(text)
    assert programme.slots


def test_doc_mentions_every_key() -> None:
    from timekeeper.programme.model import (
        DefaultsModel,
        EventModel,
        LateModel,
        ObsSettingsModel,
        SlotModel,
        TurnModel,
    )

    models = (EventModel, ObsSettingsModel, DefaultsModel, LateModel, SlotModel, TurnModel)
    for model in models:
        for key in model.model_fields:
            assert f"`{key}`" in DOC or f"{key}?" in DOC or f"{key}," in DOC, key
