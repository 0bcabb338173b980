"""The shared countdown table, tests/vectors/countdown.json (the core's rule, as cases).

Its format is described in tests/core/test_countdown_vectors.py; the speaker
tests put the same cases through the Python display and the browser page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent.parent / "vectors" / "countdown.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
