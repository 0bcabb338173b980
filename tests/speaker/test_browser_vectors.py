"""The page's countdown rule against the core's, in real headless Chromium.

The page is the shipped index.html and static/speaker.js, loaded from disk with
one extra script that puts every case of the shared table
`tests/vectors/countdown.json` through the page's own `compute` (a live slot
whose countdown ends `remaining` seconds after now) and writes the digits and
phase it gives into the DOM. The Python side reads the same table
(tests/core/test_countdown_vectors.py, tests/speaker/test_protocol.py), so the
browser's copy of the rule cannot drift from the core's.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.speaker.test_browser import chromium
from tests.speaker.vectors import CASES

pytestmark = pytest.mark.browser

# Runs after speaker.js: every case through window.speakerScreen.compute, as a live slot.
RUN_CASES = """
<script>
(function () {
  window.speakerScreen.useWords(JSON.parse(document.getElementById("words").textContent));
  const cases = JSON.parse(document.getElementById("cases").textContent);
  const now = Date.UTC(2023, 10, 20, 15, 0, 0);
  const out = cases.map((c) => {
    const deadline = now + Math.round(c.remaining * 1000);
    const countdown = {
      start: deadline - 36 * 3600 * 1000, deadline,
      warning_at: deadline - Math.round(c.warning * 1000),
      danger_at: deadline - Math.round(c.danger * 1000),
    };
    const snap = {
      mode: "live", speed: 1, rehearsal: false, event: { title: "", timezone: "UTC" },
      live: { title: "Keynote", speakers: ["Ada"], countdown },
      turn: null, next_turn: null, next: null, message: null,
    };
    const d = window.speakerScreen.compute(snap, now, true, "");
    return { text: d.digits, phase: d.phase, label: d.label };
  });
  document.getElementById("results").textContent = JSON.stringify(out);
})();
</script>
"""


def vectors_page(tmp: Path) -> Path:
    """index.html with the real speaker.js (by absolute path), the cases and RUN_CASES."""
    static = resources.files("timekeeper.speaker") / "static"
    script = Path(str(static / "speaker.js")).resolve()
    page = (static / "index.html").read_text(encoding="utf-8")
    page = page.replace('src="/speaker.js"', f'src="{script.as_uri()}"')
    assert script.as_uri() in page, "index.html no longer loads /speaker.js"
    cases = html.escape(json.dumps(CASES), quote=False)
    words = (static / "i18n" / "en.json").read_text(encoding="utf-8")
    extra = (
        f'<script type="application/json" id="cases">{cases}</script>'
        f'<script type="application/json" id="words">{html.escape(words, quote=False)}</script>'
        f'<pre id="results"></pre>{RUN_CASES}'
    )
    path = tmp / "vectors.html"
    path.write_text(page.replace("</body>", extra + "</body>"), encoding="utf-8")
    return path


async def test_the_page_reads_every_countdown_as_the_core_does(tmp_path: Path) -> None:
    dom = await chromium(vectors_page(tmp_path).as_uri(), tmp_path, (800, 600), None)
    found = re.search(r'<pre id="results">([^<]*)</pre>', dom)
    assert found and found.group(1), "the page did not run the cases (a JavaScript error?)"
    results: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    assert len(results) == len(CASES)
    wrong = [
        f"{c['remaining']} s ({c['why']}): page {r['text']} {r['phase']}, "
        f"table {c['text']} {c['phase']}"
        for c, r in zip(CASES, results, strict=True)
        if (r["text"], r["phase"]) != (c["text"], c["phase"])
    ]
    assert not wrong, "\n".join(wrong)
    overtime = [r["label"] for c, r in zip(CASES, results, strict=True) if c["remaining"] < 0]
    assert overtime and set(overtime) == {"Overtime"}
