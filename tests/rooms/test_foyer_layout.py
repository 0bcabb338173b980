"""The foyer board's layout in real headless Chromium at 800, 1280 and 1920 px (issue 25, item 4).

The page is served by the real FoyerServer from a Board fed with room statuses; Chromium
is driven over the DevTools protocol (tests/rooms/cdp.py) and the test reads every card's
and every text's box: each card inside the viewport, each title, speaker line and time
inside its card, nothing scrolled or cut (scroll size within client size). Before, the
cards were sized to the viewport's width only and at 800 px the third room's NEXT fell
below the screen; in a rehearsal the header showed the real clock beside pretend talks.
Screenshots go to tests/rooms/artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cdp import measure
from tests.speaker.test_browser import _need_chromium
from timekeeper.core.clock import ManualClock
from timekeeper.rooms.board import Board
from timekeeper.rooms.foyer_server import FoyerServer

from .test_foyer import keep

__all__ = ["_need_chromium"]  # the autouse fixture: skip (or fail under CI) without Chromium

pytestmark = pytest.mark.browser
REAL = datetime(2024, 12, 27, 18, 41, tzinfo=UTC)  # 19:41 in Hamburg: the real clock
ROOMS = [
    ("Saal 1", "„Wir beteiligen uns aktiv an den Diskussionen“", "Changing Habits in Hackerspaces"),
    ("Saal GLITCH", "Fairphone und die Reparierbarkeit von Geräten im Alltag", "Lightning talks"),
    (
        "Saal ZIGZAG",
        "Die Sicherheit von Wahlcomputern",
        "Closing ceremony and thanks to the angels",
    ),
    ("Workshop Tent", "Soldering for beginners", "Build your own synthesizer module"),
]
MEASURE = """(async () => {
  const tick = () => new Promise(r => setTimeout(r, 25));
  for (let i = 0; i < 200 && !document.body.dataset.fitted; i++) await tick();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  const part = e => ({cls: e.className, text: e.textContent, box: box(e), sw: e.scrollWidth,
    cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight,
    font: parseFloat(getComputedStyle(e).fontSize)});
  const marker = document.getElementById("rehearsal");
  return {vw: innerWidth, vh: innerHeight, clock: document.getElementById("clock").textContent,
    marker: marker && marker.offsetWidth > 0 ? marker.textContent : null,
    cards: [...document.querySelectorAll(".room")].map(c => ({box: box(c),
      sw: c.scrollWidth, cw: c.clientWidth, sh: c.scrollHeight, ch: c.clientHeight,
      parts: [...c.querySelectorAll(".name,.state,.label,.title,.who,.when,.digits,.caption")]
        .filter(e => e.offsetWidth > 0).map(part)}))};
})()"""


def status(
    title: str, nxt: str, *, show: datetime, speed: float = 1.0, soon: bool = False
) -> bytes:
    """A live room at `show` on its show clock, sent at the real instant REAL."""
    end = show + timedelta(minutes=3 if soon else 35)

    def iso(t: datetime) -> str:
        return t.isoformat()

    return json.dumps({
        "v": 1, "type": "snapshot", "seq": 1, "show_time": iso(show), "sent_at": iso(REAL),
        "speed": speed, "rehearsal": speed != 1.0 or show != REAL, "mode": "live", "held": False,
        "event": {"title": "38C3", "timezone": "Europe/Berlin"},
        "live": {"id": "a", "title": title, "speakers": ["Ada Lovelace", "Grace Hopper"],
                 "manual": False,
                 "countdown": {"start": iso(show - timedelta(minutes=10)), "deadline": iso(end),
                               "warning_at": iso(end - timedelta(minutes=5)),
                               "danger_at": iso(end - timedelta(minutes=1)), "cut": None}},
        "turn": None, "next_turn": None,
        "next": {"id": "b", "title": nxt, "speakers": ["Linus Neumann"], "planned_start": iso(end),
                 "expected_start": iso(end), "hard": False},
        "over_under": 0, "ended_at": None, "message": None,
    }).encode()  # fmt: skip


def board(show: datetime, speed: float = 1.0) -> Board:
    b = Board("38c3", [(name, name.lower().replace(" ", "-")) for name, _, _ in ROOMS])
    b.connected = True
    for n, (slug, (_, title, nxt)) in enumerate(zip(b.rooms, ROOMS, strict=True)):
        b.receive(f"timekeeper/38c3/{slug}/online", b"true")
        b.receive(f"timekeeper/38c3/{slug}/status", status(title, nxt, show=show, speed=speed,
                                                           soon=n == 1))  # fmt: skip
    return b


@pytest.fixture
async def served() -> AsyncIterator[FoyerServer]:
    server = FoyerServer(board(REAL), venue="38C3", timezone="Europe/Berlin", port=0,
                         clock=ManualClock(REAL))  # fmt: skip
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)  # fmt: skip


def check_fits(page: dict[str, Any], min_title_px: float) -> None:
    viewport = [0, 0, page["vw"], page["vh"]]
    assert len(page["cards"]) == len(ROOMS)
    for card, (name, title, nxt) in zip(page["cards"], ROOMS, strict=True):
        assert inside(card["box"], viewport), f"{name}'s card leaves the screen: {card['box']}"
        assert card["sh"] <= card["ch"] + 1 and card["sw"] <= card["cw"] + 1, f"{name} overflows"
        texts = {p["text"] for p in card["parts"]}
        assert {name, title, nxt} <= texts, f"{name}: now and next not both shown: {texts}"
        for part in card["parts"]:
            where = f"{name}: .{part['cls']} {part['text']!r}"
            assert inside(part["box"], card["box"]), f"{where} leaves its card"
            assert part["sw"] <= part["cw"] + 1 and part["sh"] <= part["ch"] + 1, f"{where} is cut"
            if part["cls"] == "title":
                assert part["font"] >= min_title_px, f"{where}: {part['font']} px is too small"


@pytest.mark.parametrize(
    ("size", "min_title_px"), [((800, 600), 12), ((1280, 720), 16), ((1920, 1080), 22)]
)
async def test_every_rooms_now_and_next_fits_the_screen(
    served: FoyerServer, tmp_path: Path, size: tuple[int, int], min_title_px: float
) -> None:
    assert served.url is not None
    shot = tmp_path / f"foyer-{size[0]}.png"
    page = await measure(served.url, size, tmp_path, MEASURE, screenshot=shot)
    keep(shot)
    check_fits(page, min_title_px)
    assert page["marker"] is None  # no rehearsal: no marker, the real clock
    assert page["clock"].startswith("19:4")


async def test_a_rehearsal_shows_the_pretend_time_and_says_rehearsal(tmp_path: Path) -> None:
    pretend = datetime(2024, 12, 27, 12, 39, tzinfo=UTC)  # 13:39 in Hamburg, at ×10
    server = FoyerServer(board(pretend, speed=10), venue="38C3", timezone="Europe/Berlin",
                         port=0, clock=ManualClock(REAL))  # fmt: skip
    await server.start()
    try:
        assert server.url is not None
        shot = tmp_path / "foyer-rehearsal-800.png"
        page = await measure(server.url, (800, 600), tmp_path, MEASURE, screenshot=shot)
    finally:
        await server.stop()
    keep(shot)
    assert page["clock"].startswith("13:39") or page["clock"].startswith("13:40"), page["clock"]
    assert page["marker"] == "REHEARSAL ×10"
    whens = [p["text"] for c in page["cards"] for p in c["parts"] if p["cls"] == "when"]
    assert any(w.startswith("until 14:14") for w in whens), whens  # the pretend end, not 19:xx
    assert not any("19:" in w or "20:" in w for w in whens), whens
    check_fits(page, 12)


async def test_a_room_with_a_bad_status_says_so_and_the_others_live_on(tmp_path: Path) -> None:
    b = board(REAL)
    hostile = json.loads(status(ROOMS[0][1], ROOMS[0][2], show=REAL))
    hostile["sent_at"] = "9999-12-31T23:59:59+00:00"
    b.receive("timekeeper/38c3/saal-1/status", json.dumps(hostile).encode())
    server = FoyerServer(b, venue="38C3", timezone="Europe/Berlin", port=0, clock=ManualClock(REAL))
    await server.start()
    try:
        assert server.url is not None
        page = await measure(server.url, (800, 600), tmp_path, MEASURE)
    finally:
        await server.stop()
    first, *others = page["cards"]
    assert {p["text"] for p in first["parts"]} == {"Saal 1", "bad status"}
    for card, (_, title, nxt) in zip(others, ROOMS[1:], strict=True):
        assert {title, nxt} <= {p["text"] for p in card["parts"]}
