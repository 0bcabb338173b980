"""A speaker screen never silently freezes: cut the operator mid-countdown, then bring it back.

The operator is a real `timekeeper run` (headless dry run). SIGSTOP freezes it as a
frozen laptop would: its sockets stay open and say nothing. Both screens — the
terminal one and the page in a real Chromium — must say within 2 s that they are
not hearing from it, keep counting from their timestamps, and recover by
themselves within 2 s of SIGCONT. Then the operator is killed and started again
(the same command resumes the show): the screens come back to it by themselves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from tests.cdp import browser, open_page, wait_for
from tests.speaker.conftest import until
from tests.speaker.silence import free_port, operator
from timekeeper.speaker.follower import QUIET, Backoff
from timekeeper.speaker.i18n import english
from timekeeper.ui.speaker.app import SpeakerApp

SILENT = english().t("silent")
DISCONNECTED = english().t("disconnected")


async def test_the_terminal_screen_says_it_is_not_hearing_and_counts_on(tmp_path: Path) -> None:
    port = free_port()
    async with operator(tmp_path, port) as proc:
        app = SpeakerApp(f"http://127.0.0.1:{port}", backoff=Backoff(first=0.1, most=1.0))
        async with app.run_test(size=(100, 30)):
            follower = app.follower
            await until(lambda: app.shown is not None and app.shown.digits != "--:--", 30)
            assert app.shown is not None and app.shown.status == ""

            os.kill(proc.pid, signal.SIGSTOP)  # a frozen laptop: the socket stays open, silent
            await until(lambda: app.shown is not None and app.shown.status == SILENT, 10)
            assert follower.last_heard is not None
            noticed = follower.monotonic() - follower.last_heard
            assert QUIET <= noticed <= 2.0, f"said so {noticed:.2f} s after the last message"
            frozen_at = app.shown.digits
            await until(lambda: app.shown is not None and app.shown.digits != frozen_at, 3)
            assert app.shown is not None and app.shown.status in {SILENT, DISCONNECTED}

            thawed = time.monotonic()
            os.kill(proc.pid, signal.SIGCONT)
            await until(lambda: app.shown is not None and app.shown.status == "", 10)
            assert time.monotonic() - thawed <= 2.0


@pytest.mark.browser
async def test_the_page_says_it_is_not_hearing_counts_on_and_comes_back(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    async with browser(tmp_path) as chromium:
        async with (
            operator(tmp_path / "a", port) as proc,
            open_page(chromium, url, (1280, 720)) as page,
        ):
            status = "window.speakerScreen && window.speakerScreen.current().status"
            shown = "window.speakerScreen.current()"
            ready = f"window.speakerScreen && {shown}.digits !== '--:--'"
            await wait_for(page, f"{ready} && ({status}) === ''", 30, "the first picture")

            os.kill(proc.pid, signal.SIGSTOP)
            await wait_for(page, f"({status}) === {SILENT!r}", 10, "the page to notice")
            noticed = await page.evaluate("window.speakerScreen.health().quietFor")
            assert QUIET * 1000 <= noticed <= 2000, f"said so {noticed:.0f} ms after"
            frozen_at = await page.evaluate(f"{shown}.digits")
            await wait_for(page, f"{shown}.digits !== {frozen_at!r}", 3, "counting on")
            body = await page.evaluate("document.getElementById('status').textContent")
            assert body == SILENT  # on the screen, not only in the model

            thawed = time.monotonic()
            os.kill(proc.pid, signal.SIGCONT)
            await wait_for(page, f"({status}) === ''", 10, "the page to recover")
            assert time.monotonic() - thawed <= 2.0

            proc.kill()  # the laptop dies; the same command brings the show back
            await proc.wait()
            await wait_for(page, f"({status}) === {DISCONNECTED!r}", 10)
            async with operator(tmp_path / "a", port):
                back = time.monotonic()
                await wait_for(page, f"({status}) === ''", 10, "the page to come back")
                assert time.monotonic() - back <= 2.0
        await asyncio.sleep(0)
