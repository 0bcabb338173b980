"""The browser page in real headless Chromium (Debian's `chromium`) against a real server.

Chromium's clock runs while the test's ManualClock stands still, and
--virtual-time-budget lets up to three seconds pass inside the page, so the
countdown is checked to within a few seconds below what the server's clock
says; names, titles, phases and classes are checked exactly. Screenshots are
written to the test's tmp_path and copied to tests/speaker/artifacts/ (ignored
by git) so a person can look at them.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.factories import at
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.show.session import ShowSession
from timekeeper.speaker.i18n import english
from timekeeper.speaker.protocol import Display, compute_display, parse_snapshot
from timekeeper.speaker.server import SpeakerServer

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
BUDGET_S = 3  # --virtual-time-budget, seconds


@pytest.fixture(autouse=True)
def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = "headless Chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser tests")
    pytest.skip(reason)


async def chromium(url: str, tmp: Path, size: tuple[int, int], screenshot: str | None) -> str:
    """Load `url`, let its JavaScript run, and return the DOM (or write a screenshot)."""
    profile = tmp / f"profile-{screenshot or 'dom'}"
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--virtual-time-budget={BUDGET_S * 1000}",
    ]
    args.append(f"--screenshot={tmp / screenshot}" if screenshot else "--dump-dom")
    # a subprocess the event loop awaits: the server answers the page from this same loop
    proc = await asyncio.create_subprocess_exec(
        *args, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def element(dom: str, ident: str) -> str:
    found = re.search(rf'id="{ident}"[^>]*>([^<]*)<', dom)
    assert found, f"#{ident} not in the page"
    return found.group(1)


def body_classes(dom: str) -> set[str]:
    found = re.search(r'<body class="([^"]*)"', dom)
    return set(found.group(1).split()) if found else set()


def python_display(server: SpeakerServer) -> Display:
    """What the terminal app would show at the server's instant."""
    snap = parse_snapshot(server.snapshot())
    return compute_display(snap, snap.show_time, snap.show_time)


def seconds(digits: str) -> int:
    sign = -1 if digits.startswith("+") else 1
    parts = [int(p) for p in digits.lstrip("+").split(":")]
    total = 0
    for p in parts:
        total = total * 60 + p
    return sign * total


def keep(path: Path) -> Path:
    """Copy a screenshot beside the tests for people to look at; print where it is."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    copy = ARTIFACTS / path.name
    shutil.copyfile(path, copy)
    print(f"screenshot: {path} (copy: {copy})")
    return copy


async def test_the_page_shows_the_live_speaker_and_countdown(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path
) -> None:
    assert server.url is not None
    clock.set(at("15:40"))  # the keynote, 30 minutes left
    session.tick()
    dom = await chromium(server.url, tmp_path, (1280, 720), None)
    expected = python_display(server)  # the page mirrors protocol.compute_display
    for ident, value in (("title", expected.title), ("speaker", expected.name)):
        assert element(dom, ident) == value
    for ident, value in (("label", expected.label), ("next", expected.next)):
        assert element(dom, ident) == value
    assert element(dom, "slotline") == expected.slot_line
    assert element(dom, "rehearsal") == expected.rehearsal == "REHEARSAL"
    assert element(dom, "title") == "Keynote"
    assert element(dom, "speaker") == "Antonio A. Casilli"
    assert element(dom, "label") == "Remaining"
    assert element(dom, "next") == "Next: Panel at 16:10"
    assert element(dom, "event") == "Test event"
    left = seconds(element(dom, "digits"))
    assert 30 * 60 - BUDGET_S - 2 <= left <= 30 * 60, element(dom, "digits")
    assert re.fullmatch(r"15:40:0\d", element(dom, "clock"))  # Europe/Amsterdam, show time
    classes = body_classes(dom)
    assert "phase-normal" in classes
    # the WebSocket is up (under --virtual-time-budget the page's clock outruns the server's
    # answers, so it may say it has not heard from the operator lately; never "disconnected")
    assert element(dom, "status") in {"", english().t("silent")}

    shot = tmp_path / "speaker.png"
    await chromium(server.url, tmp_path, (1280, 720), shot.name)
    assert shot.stat().st_size > 10_000
    keep(shot)


async def test_the_page_in_overtime_with_a_message_on_a_phone(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path
) -> None:
    assert server.url is not None
    clock.set(at("16:11"))  # the panel: Michele Molè's 3-minute turn
    session.tick()
    clock.set(at("16:14:20"))  # 1:20 over
    session.set_message("Please wrap up", flash=True)
    dom = await chromium(server.url, tmp_path, (390, 844), None)
    expected = python_display(server)
    for ident in ("title", "label", "next", "message"):
        assert element(dom, ident) == getattr(expected, ident)
    assert re.fullmatch(r"Panel: 55:[34]\d left", element(dom, "slotline"))
    assert element(dom, "speaker") == expected.name == "Michele Molè"
    assert element(dom, "label") == "Overtime"
    over = element(dom, "digits")
    assert over.startswith("+") and 80 <= -seconds(over) <= 80 + BUDGET_S + 2, over
    assert element(dom, "message") == "Please wrap up"
    assert element(dom, "next") == "Next: Beryl ter Haar, 6:00"
    assert {"phase-overtime", "has-message", "flash"} <= body_classes(dom)

    shot = tmp_path / "speaker-phone-overtime.png"
    await chromium(server.url, tmp_path, (390, 844), shot.name)
    keep(shot)


async def test_before_the_show_and_the_transparent_obs_source(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path
) -> None:
    assert server.url is not None
    clock.set(at("15:25:01"))
    dom = await chromium(server.url + "?transparent=1", tmp_path, (1280, 720), None)
    assert element(dom, "label") == "Starts in"
    assert element(dom, "title") == "Introduction"
    assert 299 - BUDGET_S - 2 <= seconds(element(dom, "digits")) <= 299
    assert re.search(r'<html[^>]*class="transparent steady"', dom)  # no flashing on the stream


async def test_an_extended_slot_shows_its_new_deadline(
    server: SpeakerServer, session: ShowSession, clock: ManualClock, tmp_path: Path
) -> None:
    assert server.url is not None
    clock.set(at("15:40"))
    session.tick()
    session.act(Action(ActionKind.EXTEND, minutes=5))
    dom = await chromium(server.url, tmp_path, (1280, 720), None)
    assert 35 * 60 - BUDGET_S - 2 <= seconds(element(dom, "digits")) <= 35 * 60


async def test_a_countdown_a_hard_start_cuts_counts_to_the_cut(
    cut_server: tuple[SpeakerServer, ShowSession, ManualClock], tmp_path: Path
) -> None:
    """The late Q&A at 17:29:50: 10 s to the hard Reception on the page, not 3:10."""
    server, _, _ = cut_server
    assert server.url is not None
    dom = await chromium(server.url, tmp_path, (1280, 720), None)
    expected = python_display(server)
    assert element(dom, "label") == expected.label
    assert element(dom, "label") == "Remaining until Reception, 17:30 — hard start"
    assert element(dom, "title") == "Q&amp;A with the participants"
    assert 10 - BUDGET_S - 2 <= seconds(element(dom, "digits")) <= 10, element(dom, "digits")
    assert {"phase-danger", "cut"} <= body_classes(dom)

    shot = tmp_path / "speaker-cut-by-hard-start.png"
    await chromium(server.url, tmp_path, (1280, 720), shot.name)
    keep(shot)
