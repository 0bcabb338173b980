"""The page's phases as a speaker sees them, in a real Chromium over the DevTools protocol.

Each phase carries words and a shape as well as a colour; this is checked on the
screenshots themselves with the colour taken away (luminance only), and the
colours are checked to stay apart under simulated deuteranopia, protanopia and
tritanopia, at 7:1 or more against their background. Screenshots of each phase in
each variant (default, reduced motion, Dutch, Arabic) are kept in
tests/speaker/artifacts/ for people to look at.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.cdp import Browser, Page, browser, open_page, png_pixels, wait_for
from tests.factories import at
from tests.speaker.colour import MACHADO, contrast, delta_e, luminance, parse_css
from tests.speaker.test_browser import keep
from timekeeper.core.clock import ManualClock
from timekeeper.show.session import ShowSession
from timekeeper.speaker.i18n import strings
from timekeeper.speaker.server import SpeakerServer

pytestmark = pytest.mark.browser

PHASES = {  # the seed: the keynote ends 16:10 (warning 5 min, danger 1 min); a turn runs over
    "normal": "15:40",
    "warning": "16:07",
    "danger": "16:09:20",
    "overtime": "16:14:20",
}
VARIANTS = {"default": "", "reduced-motion": "", "nl": "?lang=nl", "ar": "?lang=ar"}
READY = "window.speakerScreen && window.speakerScreen.current().digits !== '--:--'"


def to(session: ShowSession, clock: ManualClock, phase: str) -> None:
    clock.set(at(PHASES[phase]))
    session.tick()


async def shown(page: Page, phase: str) -> dict[str, Any]:
    await wait_for(page, f"{READY} && document.body.dataset.phase === {phase!r}", 30, phase)
    result: dict[str, Any] = await page.evaluate(
        """(() => {
          const box = (id) => {
            const r = document.getElementById(id).getBoundingClientRect();
            return [r.left, r.top, r.width, r.height];
          };
          const range = document.createRange();
          range.selectNodeContents(document.getElementById("digits"));
          const t = range.getBoundingClientRect();
          const digits = getComputedStyle(document.getElementById("digits"));
          return {
            phaseWord: document.getElementById("phase").textContent,
            phaseBox: box("phase"), digitsText: [t.left, t.top, t.width, t.height],
            colour: digits.color, background: digits.backgroundColor,
            dir: document.documentElement.dir, lang: document.documentElement.lang,
          };
        })()"""
    )
    return result


def grey(png: bytes) -> tuple[int, int, list[list[float]]]:
    width, height, rows = png_pixels(png)
    lum = [
        [luminance((row[i], row[i + 1], row[i + 2])) for i in range(0, len(row), 3)] for row in rows
    ]
    return width, height, lum


def shape(png: bytes, info: dict[str, Any]) -> tuple[int, int, bool, bool, bool]:
    """What a person who sees no colour at all can tell of the phase: luminance only.

    (lines in the frame, the first line's width in pixels, a striped frame, a phase word,
    the word in a filled box); the same in both halves of any blinking.
    """
    width, height, lum = grey(png)
    bright = 0.15
    frame = max(10, round(0.028 * min(width, height)))  # the thickest frame is 2.2vmin
    edge = [v > bright for v in lum[height // 2][:frame]]
    lines = sum(1 for i, v in enumerate(edge) if v and (i == 0 or not edge[i - 1]))
    first = next((i for i, v in enumerate(edge) if not v), len(edge))
    column = [lum[y][1] for y in range(height)]
    flips = sum(1 for a, b in itertools.pairwise(column) if (a > bright) != (b > bright))
    pl, pt, pw, ph = (int(v) for v in info["phaseBox"])
    word = pw > 0 and ph > 0
    filled = word and lum[pt + ph // 2][pl + 2] > 0.3
    return lines, first, flips > 6, word, filled


def inverted(png: bytes, info: dict[str, Any]) -> bool:
    """Whether the digits are dark on a light ground (luminance only)."""
    _, _, lum = grey(png)
    left, top, w, h = (int(v) for v in info["digitsText"])
    inside = [
        lum[y][x] for y in range(top + 2, top + h - 2, 3) for x in range(left + 2, left + w - 2, 3)
    ]
    return sum(v > 0.3 for v in inside) > 0.5 * len(inside)


@pytest.fixture
async def cdp(tmp_path: Path) -> AsyncIterator[Browser]:
    async with browser(tmp_path) as chromium:
        yield chromium


async def test_each_phase_differs_by_more_than_colour(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path, cdp: Browser
) -> None:
    assert server.url is not None
    en = strings("en")
    seen: dict[str, tuple[int, int, bool, bool, bool]] = {}
    colours: dict[str, tuple[float, float, float]] = {}
    for phase in PHASES:
        to(session, clock, phase)
        async with open_page(cdp, server.url, (640, 360)) as page:
            info = await shown(page, phase)
            png = await page.screenshot()
        async with open_page(cdp, server.url, (640, 360), reduced_motion=True) as page:
            still = await page.screenshot() if await shown(page, phase) else b""
        assert inverted(still, info) is (phase == "overtime"), phase
        assert info["phaseWord"] == (en.t(f"phase_{phase}") if phase != "normal" else "")
        seen[phase] = shape(png, info)
        fg, bg = parse_css(info["colour"]), parse_css(info["background"])
        if phase == "overtime":
            fg, bg = bg, fg  # inverted: the colour is the digits' background
        else:
            assert bg == (0.0, 0.0, 0.0) or info["background"].startswith("rgba(0, 0, 0, 0)")
            bg = (0.0, 0.0, 0.0)
        assert contrast(fg, bg) >= 7.0, f"{phase}: {contrast(fg, bg):.1f}:1"
        colours[phase] = fg
    # without any colour: every phase has its own shape
    assert len(set(seen.values())) == len(PHASES), seen
    assert seen["warning"][1] > seen["normal"][1]  # a thicker frame
    assert seen["danger"][2] and not seen["normal"][2]  # a striped frame
    assert seen["overtime"][0] == 2 and seen["normal"][0] == 1  # a double frame
    assert not seen["normal"][3] and all(seen[p][3] for p in ("warning", "danger", "overtime"))
    # and the colours stay apart for each colour-vision deficiency
    for kind in MACHADO:
        for a, b in itertools.combinations(("normal", "warning", "danger"), 2):
            diff = delta_e(colours[a], colours[b], kind)
            assert diff >= 20, f"{kind}: {a} and {b} differ by only ΔE {diff:.0f}"


async def test_every_phase_in_every_variant_reads_right_and_is_kept(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path, cdp: Browser
) -> None:
    assert server.url is not None
    for phase in PHASES:
        to(session, clock, phase)
        for variant, query in VARIANTS.items():
            reduced = variant == "reduced-motion"
            url = server.url + query
            async with open_page(cdp, url, (1280, 720), reduced_motion=reduced) as page:
                info = await shown(page, phase)
                lang = query.rpartition("=")[2] if query else "en"
                expected = strings(lang).t(f"phase_{phase}") if phase != "normal" else ""
                assert info["phaseWord"] == expected, (variant, phase)
                assert info["lang"] == lang
                assert info["dir"] == ("rtl" if lang == "ar" else "ltr")
                shot = tmp_path / f"speaker-{phase}-{variant}.png"
                shot.write_bytes(await page.screenshot())
                keep(shot)
                if phase == "overtime":
                    blinks = await blinking(page)
                    assert blinks is not reduced, f"{variant}: the overtime digits blink={blinks}"


async def blinking(page: Page) -> bool:
    """Whether the overtime digits change between the two halves of the blink."""
    style = "getComputedStyle(document.getElementById('digits')).backgroundColor"
    await page.evaluate("document.body.classList.remove('blink-off')")
    on = await page.evaluate(style)
    await page.evaluate("document.body.classList.add('blink-off')")
    off = await page.evaluate(style)
    return bool(on != off)


async def test_the_digits_fill_40_percent_of_a_full_hd_screen(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, cdp: Browser
) -> None:
    assert server.url is not None
    to(session, clock, "normal")
    async with open_page(cdp, server.url, (1920, 1080)) as page:
        info = await shown(page, "normal")
    height = info["digitsText"][3]
    assert height >= 0.40 * 1080, f"the digits are {height:.0f} px of 1080"


async def test_a_flashed_message_is_steady_for_reduced_motion_and_on_the_obs_source(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, cdp: Browser
) -> None:
    assert server.url is not None
    to(session, clock, "normal")
    session.set_message("Please wrap up", flash=True)
    message = "getComputedStyle(document.getElementById('message')).backgroundColor"

    async def flashes(page: Page) -> bool:
        await wait_for(page, f"{READY} && document.body.classList.contains('has-message')", 30)
        await page.evaluate("document.body.classList.remove('blink-off')")
        on = await page.evaluate(message)
        await page.evaluate("document.body.classList.add('blink-off')")
        return bool(on != await page.evaluate(message))

    async with open_page(cdp, server.url, (1280, 720)) as page:
        assert await flashes(page)  # a speaker screen flashes a flashed message
    async with open_page(cdp, server.url, (1280, 720), reduced_motion=True) as page:
        assert not await flashes(page)
        inverted = await page.evaluate(message)
        assert parse_css(inverted) == (255.0, 255.0, 255.0)  # a steady inverted frame instead
    async with open_page(cdp, server.url + "?transparent=1", (1280, 720)) as page:
        await wait_for(page, READY, 30)
        assert not (await page.evaluate("window.speakerScreen.current().flash"))
    async with open_page(cdp, server.url + "?transparent=1&flash=1", (1280, 720)) as page:
        await wait_for(page, READY, 30)
        assert await page.evaluate("window.speakerScreen.current().flash")


async def test_sound_asks_for_a_click_and_is_never_on_the_obs_source(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, cdp: Browser
) -> None:
    assert server.url is not None
    to(session, clock, "normal")
    asks = "document.body.classList.contains('sound-asks')"
    prompt = "document.getElementById('sound').textContent"
    async with open_page(cdp, server.url + "?sound=1&lang=de", (1280, 720)) as page:
        await wait_for(page, f"{READY} && {asks}", 30)
        assert await page.evaluate(prompt) == strings("de").t("sound_prompt")
    async with open_page(cdp, server.url + "?sound=1&transparent=1", (1280, 720)) as page:
        await wait_for(page, READY, 30)
        assert not await page.evaluate(asks)
