"""The page's words and chimes against the Python screen's, in real headless Chromium.

The page is the shipped index.html and speaker.js, loaded from disk with one extra
script that puts every scene of the seed show (tests/speaker/scenes.py), in every
language, through the page's own `compute`, and a frame-by-frame walk of displays
through its `Chimes`. The Python side computes the same from the same files, so the
two screens cannot drift apart in any language.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.factories import at, seed
from tests.speaker.scenes import scenes
from tests.speaker.test_browser import chromium
from tests.speaker.test_chimes import shown
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession
from timekeeper.speaker.chimes import ChimePlanner
from timekeeper.speaker.display import Display, compute_display
from timekeeper.speaker.i18n import LANGUAGES, strings
from timekeeper.speaker.snapshot import parse_snapshot

pytestmark = pytest.mark.browser

COMPARED = (
    *("digits", "phase", "label", "name", "title", "next", "slot_line", "rehearsal"),
    *("message", "flash", "cut", "phase_word", "rtl"),
)

RUN = """
<script>
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const screen = window.speakerScreen;
  const out = { scenes: [], chimes: [] };
  for (const lang of Object.keys(data.words)) {
    screen.useWords(data.words[lang]);
    for (const sc of data.scenes) {
      const snap = screen.parseSnapshot(JSON.parse(JSON.stringify(sc.snapshot)));
      const d = screen.compute(snap, Date.parse(sc.now), true, "");
      out.scenes.push({ lang, name: sc.name, display: d });
    }
  }
  const cue = screen.Chimes();
  out.chimes = data.frames.map((d) => cue(d));
  document.getElementById("results").textContent = JSON.stringify(out);
})();
</script>
"""


def frames() -> list[dict[str, Any]]:
    """A panel turn from 2:30 before its end to 5 s over, ten frames a second."""
    clock = ManualClock(at("16:10:30"))
    session = ShowSession(seed(), clock, RunMode.DRY)
    out = []
    while clock.now() <= at("16:14:05"):
        session.tick()
        out.append(asdict(shown(session)))
        clock.advance(timedelta(seconds=0.1))
    return out


def page(tmp: Path, data: dict[str, Any]) -> Path:
    static = resources.files("timekeeper.speaker") / "static"
    script = Path(str(static / "speaker.js")).resolve()
    text = (static / "index.html").read_text(encoding="utf-8")
    text = text.replace('src="/speaker.js"', f'src="{script.as_uri()}"')
    # a script's text is not HTML-decoded: only "</" could end it early
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    extra = (
        f'<script type="application/json" id="data">{blob}</script><pre id="results"></pre>{RUN}'
    )
    path = tmp / "languages.html"
    path.write_text(text.replace("</body>", extra + "</body>"), encoding="utf-8")
    return path


async def test_the_page_says_what_the_terminal_says_in_every_language(tmp_path: Path) -> None:
    static = resources.files("timekeeper.speaker") / "static" / "i18n"
    words = {
        lang: json.loads((static / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }
    cases = scenes()
    walk = frames()
    data = {
        "words": words,
        "scenes": [{"name": n, "snapshot": raw, "now": now.isoformat()} for n, raw, now in cases],
        "frames": walk,
    }
    dom = await chromium(page(tmp_path, data).as_uri(), tmp_path, (800, 600), None)
    found = re.search(r'<pre id="results">([^<]*)</pre>', dom)
    assert found and found.group(1), "the page did not run the scenes (a JavaScript error?)"
    results = json.loads(html.unescape(found.group(1)))

    wrong = []
    by_scene = {name: (raw, now) for name, raw, now in cases}
    assert len(results["scenes"]) == len(LANGUAGES) * len(cases)
    for r in results["scenes"]:
        raw, now = by_scene[r["name"]]
        py = asdict(compute_display(parse_snapshot(raw), now, now, "", strings(r["lang"])))
        for key in COMPARED:
            if py[key] != r["display"][key]:
                wrong.append(
                    f"{r['lang']} {r['name']} {key}: page {r['display'][key]!r}, python {py[key]!r}"
                )
    assert not wrong, "\n".join(wrong)

    planner = ChimePlanner()
    expected = [planner.cue(shown_frame) for shown_frame in map(_display, walk)]
    assert results["chimes"] == expected
    assert sorted(n for n in expected if n) == [1, 2, 3]


def _display(d: dict[str, Any]) -> Display:
    return Display(**d)
