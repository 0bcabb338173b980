"""The JSON Schema: generated from the models, committed, and kept up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from timekeeper.cli import main
from timekeeper.programme.diagnostics import Report
from timekeeper.programme.schema import programme_json_schema, schema_text
from timekeeper.programme.yamldoc import compose

from .helpers import REPO, SEED

COMMITTED = REPO / "schema" / "programme.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schema/programme.schema.json is stale: run "
        "`timekeeper schema -o schema/programme.schema.json`"
    )


def test_schema_has_dialect_title_and_every_section() -> None:
    schema = programme_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "timekeeper programme"
    assert set(schema["properties"]) == {"event", "obs", "defaults", "late", "slots"}
    assert schema["required"] == ["event", "slots"]
    assert schema["additionalProperties"] is False


def test_every_field_has_a_description() -> None:
    missing = [
        f"{name}.{key}"
        for name, definition in programme_json_schema()["$defs"].items()
        for key, prop in definition.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert missing == []


def test_schema_command_prints_and_writes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == programme_json_schema()
    target = tmp_path / "out.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    assert main(["schema", "-o", str(tmp_path / "no" / "such" / "dir.json")]) == 2


def test_seed_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = compose(SEED.read_text(encoding="utf-8"), Report("seed"))
    assert result is not None
    jsonschema.validate(result[0], programme_json_schema())
