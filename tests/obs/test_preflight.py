"""Preflight and `timekeeper check --obs` against the fake server."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.obs.fake import FakeObs
from timekeeper.commands.check_obs import run_obs_check
from timekeeper.obs.preflight import Unreachable, closest, preflight

from .conftest import PASSWORD
from .programmes import obs_programme


def test_closest_name() -> None:
    names = ["Holding", "Intro", "Keynote", "Panel", "Q&A"]
    assert closest("Keynot", names) == "Keynote"
    assert closest("keynote", names) == "Keynote"
    assert closest("QA", names) is None or closest("QA", names) == "Q&A"
    assert closest("Reception", names) is None


async def test_preflight_lists_missing_names_with_suggestions(fake: FakeObs) -> None:
    programme = obs_programme(
        ["Holding", "Keynot", "Panel"],
        transitions={1: "Fade", 2: "Wipe"},
        texts={0: "Countdown", 2: "Speaker name"},
        default_transition="Cut",
    )
    report = await preflight(programme, fake.url, PASSWORD)
    assert report.reachable and not report.ok
    missing = {(c.kind, c.name): c for c in report.missing}
    assert set(missing) == {
        ("scene", "Keynot"),
        ("transition", "Wipe"),
        ("text source", "Speaker name"),
    }
    assert missing["scene", "Keynot"].suggestion == "Keynote"
    assert missing["scene", "Keynot"].used_by == ("s1",)
    text = "\n".join(report.lines())
    assert "MISSING  scene 'Keynot' (used by s1) — did you mean 'Keynote'?" in text
    assert "3 missing" in text
    assert fake.identified_count == 1 and not any(
        t.startswith(("Set", "Start", "Stop")) for t, _ in fake.requests
    )


async def test_preflight_all_present(fake: FakeObs) -> None:
    report = await preflight(obs_programme(["Holding", "Q&A"]), fake.url, PASSWORD)
    assert report.ok and report.info is not None
    assert "everything the programme names exists" in report.lines()[-1]


async def test_preflight_reasons_when_obs_cannot_be_reached(fake: FakeObs) -> None:
    programme = obs_programme(["Holding"])
    wrong = await preflight(programme, fake.url, "wrong")
    assert not wrong.reachable and wrong.error_kind is Unreachable.AUTH
    assert "TK_TEST_OBS_PASSWORD" in (wrong.error or "")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    refused = await preflight(programme, f"ws://127.0.0.1:{free}", PASSWORD)
    assert refused.error_kind is Unreachable.REFUSED and "is OBS running" in (refused.error or "")
    fake.stalled = True
    stalled = await preflight(programme, fake.url, PASSWORD, timeout=0.3)
    assert stalled.error_kind is Unreachable.TIMEOUT


@pytest.fixture
def threaded_fake() -> Iterator[FakeObs]:
    """A fake server on its own loop in a thread: run_obs_check runs its own asyncio.run."""
    loop = asyncio.new_event_loop()
    server = FakeObs(password=PASSWORD)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_check_obs_command(threaded_fake: FakeObs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TK_TEST_OBS_PASSWORD", PASSWORD)
    good = obs_programme(["Holding", "Keynote"], url=threaded_fake.url)
    out = io.StringIO()
    assert run_obs_check(good, None, out=out) == 0
    assert PASSWORD not in out.getvalue()
    bad = obs_programme(["Holding", "Keynot"])
    out = io.StringIO()
    assert run_obs_check(bad, threaded_fake.url, out=out) == 2
    assert "did you mean 'Keynote'" in out.getvalue()


def test_check_obs_without_password_says_which_variable(
    threaded_fake: FakeObs, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TK_TEST_OBS_PASSWORD", raising=False)
    programme = obs_programme(["Holding"], url=threaded_fake.url)
    assert run_obs_check(programme, None) == 2
    printed = capsys.readouterr().out
    assert "cannot check (auth)" in printed
    assert "TK_TEST_OBS_PASSWORD" in printed and PASSWORD not in printed
