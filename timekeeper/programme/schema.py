"""The JSON Schema of programme.yaml, generated from the pydantic models.

Editors use it to validate and complete the file (see docs/programme-format.md);
the committed copy in schema/programme.schema.json is kept equal to this output
by a test, so regenerate it with `timekeeper schema -o schema/programme.schema.json`.
"""

from __future__ import annotations

import json
from typing import Any

from timekeeper.programme.model import ProgrammeModel

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://timekeeper.invalid/programme.schema.json"


def programme_json_schema() -> dict[str, Any]:
    """The schema as a dict, with `$schema` and `title` first."""
    schema = ProgrammeModel.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "timekeeper programme",
        **schema,
    }


def schema_text() -> str:
    """The schema as the committed file holds it: indented, UTF-8, final newline."""
    return json.dumps(programme_json_schema(), indent=2, ensure_ascii=False) + "\n"
