"""The foyer board (`timekeeper venue venue.yaml --serve`) in real headless Chromium.

Two real RoomServices publish through a real mosquitto; the overview's real VenueWatch
feeds a Board, and the real FoyerServer serves it. Plenary is in its keynote; Room B's
workshop starts in three minutes, so it gets the big countdown. Every clock is one
ManualClock standing at 15:40; Chromium's own clock runs up to BUDGET_S seconds
inside the page, so countdowns are checked to within a few seconds. Screenshots are
copied to tests/rooms/artifacts/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.factories import at, programme, seed, slot
from tests.speaker.conftest import until
from tests.speaker.test_browser import BUDGET_S, _need_chromium, chromium, seconds
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import ManualClock
from timekeeper.core.programme import Programme, Speaker
from timekeeper.rooms.board import Board
from timekeeper.rooms.foyer_server import FoyerServer
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.watch import VenueWatch
from timekeeper.show.session import ShowSession

from .broker import Broker

__all__ = ["_need_chromium"]  # the autouse fixture: skip (or fail under CI) without Chromium

pytestmark = pytest.mark.browser
FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)
ARTIFACTS = Path(__file__).parent / "artifacts"
VENUE = "Data Work Symposium"


def room_b() -> Programme:
    return programme(
        [
            slot("workshop", "15:43", 45, title="Data workshop", speakers=(Speaker("Ada L."),)),
            slot("closing", None, 15),
        ]
    )


@pytest.fixture
async def foyer(broker: Broker) -> AsyncIterator[tuple[FoyerServer, dict[str, RoomService]]]:
    clock = ManualClock(at("15:40"))
    services: dict[str, RoomService] = {}
    for name, prog in (("Plenary", seed()), ("Room B", room_b())):
        session = ShowSession(prog, clock)
        session.tick()
        runtime = Runtime.of(session, RunOptions(Path("x.yaml")), clock.now())
        options = RoomOptions(room=name, mqtt=broker.url, venue=VENUE)
        service = RoomService(options, environ={}, real_clock=clock, backoff=FAST)
        await service.start(runtime)
        services[name] = service
    board = Board("data-work-symposium", [("Plenary", "plenary"), ("Room B", "room-b")])
    watch = VenueWatch(BrokerSettings("127.0.0.1", broker.port), board, backoff=FAST)
    watch.start()
    server = FoyerServer(board, venue=VENUE, timezone="Europe/Amsterdam", port=0, clock=clock)
    await server.start()
    try:
        await until(lambda: board.whole, 10, "both rooms on the board")
        yield server, services
    finally:
        await server.stop()
        await watch.close()
        for service in services.values():
            await service.stop()


def card(dom: str, index: int) -> tuple[set[str], str]:
    """One room's card of the dumped page: its classes and its inside."""
    found = re.search(rf'<section class="([^"]*)" id="room-{index}">(.*?)</section>', dom, re.S)
    assert found, f"room {index} not on the page"
    return set(found.group(1).split()), found.group(2)


def text(fragment: str, cls: str) -> str:
    found = re.search(rf'class="{cls}">([^<]*)<', fragment)
    assert found, f".{cls} not in {fragment[:300]}"
    return found.group(1)


def keep(path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    shutil.copyfile(path, ARTIFACTS / path.name)
    print(f"screenshot: {path} (copy: {ARTIFACTS / path.name})")


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_the_state_says_every_rooms_now_and_next_in_real_instants(
    foyer: tuple[FoyerServer, dict[str, RoomService]],
) -> None:
    server, _ = foyer
    state = server.state()
    assert (state["venue"], state["timezone"], state["broker"]) == (VENUE, "Europe/Amsterdam", True)
    plenary, room_b = state["rooms"]
    assert plenary["live"]["title"] == "Keynote"
    assert instant(plenary["live"]["ends_at"]) == at("16:10")
    assert plenary["next"]["title"] == "Panel" and not plenary["soon"]
    assert room_b["live"] is None and room_b["soon"]
    assert instant(room_b["next"]["starts_at"]) == at("15:43")
    assert room_b["next"]["speakers"] == ["Ada L."]


async def test_the_foyer_page_in_chromium_with_a_big_countdown_for_the_talk_about_to_start(
    foyer: tuple[FoyerServer, dict[str, RoomService]], tmp_path: Path
) -> None:
    server, _ = foyer
    assert server.url is not None
    dom = await chromium(server.url, tmp_path, (1280, 720), None)
    assert re.search(r'id="venue">Data Work Symposium<', dom)
    assert re.search(r'id="clock">15:40:0\d<', dom), "the venue clock, in Europe/Amsterdam"
    assert 'id="timezone">Europe/Amsterdam<' in dom
    (plenary_classes, plenary), (room_b_classes, room_b) = card(dom, 0), card(dom, 1)
    assert plenary_classes == {"room", "online"} and 'class="digits"' not in plenary
    assert text(plenary, "title") == "Keynote"
    assert text(plenary, "who") == "Antonio A. Casilli"
    assert text(plenary, "when").startswith("until 16:10 · ")
    assert room_b_classes == {"room", "online", "soon"}
    left = seconds(text(room_b, "digits"))
    assert 3 * 60 - BUDGET_S - 2 <= left <= 3 * 60, text(room_b, "digits")
    assert text(room_b, "caption") == "until Data workshop"
    assert "at 15:43" in room_b

    shot = tmp_path / "foyer.png"
    await chromium(server.url, tmp_path, (1280, 720), shot.name)
    assert shot.stat().st_size > 10_000
    keep(shot)


async def test_a_room_that_stops_is_marked_offline_on_the_page(
    foyer: tuple[FoyerServer, dict[str, RoomService]], tmp_path: Path
) -> None:
    server, services = foyer
    await services["Room B"].stop()
    await until(lambda: server.board.rooms["room-b"].online is False, 10, "Room B offline")
    assert server.url is not None
    classes, room_b = card(await chromium(server.url, tmp_path, (1280, 720), None), 1)
    assert "offline" in classes
    assert text(room_b, "state") == "offline"
    assert "Data workshop" in room_b  # its last known state stays readable


async def test_the_page_fetches_nothing_from_elsewhere(
    foyer: tuple[FoyerServer, dict[str, RoomService]],
) -> None:
    import aiohttp

    server, _ = foyer
    assert server.url is not None
    async with aiohttp.ClientSession() as http, http.get(server.url) as response:
        html = await response.text()
    assert response.status == 200
    assert not re.search(r"(src|href)\s*=|@import|url\(|https?://", html)


def test_a_bad_port_for_the_foyer_board_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from timekeeper import cli

    shutil.copy(Path(__file__).resolve().parents[2] / "programme.yaml", tmp_path / "p.yaml")
    venue = tmp_path / "venue.yaml"
    venue.write_text(
        "venue: {name: V}\nmqtt: {url: 'mqtt://127.0.0.1:1'}\n"
        "rooms:\n  - {name: A, programme: p.yaml}\n"
    )
    assert cli.main(["venue", str(venue), "--serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--port" in err and "0-65535" in err and len(err.splitlines()) == 1
