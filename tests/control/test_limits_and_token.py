"""Token buckets on an injected clock, the token's rules, and the API's limits over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.factories import at, seed
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.control.actions import Controls, Refused
from timekeeper.control.api import ControlApi
from timekeeper.control.ratelimit import RateLimiter
from timekeeper.control.token import bearer_matches, new_token, read_token
from timekeeper.core.clock import ManualClock
from timekeeper.errors import UsageError
from timekeeper.show.session import ShowSession
from timekeeper.speaker.server import SpeakerServer

TOKEN = "unit-token-0123456789abcdef"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    ticks = Ticks()
    limit = RateLimiter(3, 2.0, ticks)
    assert [limit.take("deck") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.take("deck") == pytest.approx(0.5)  # one token comes back every half second
    assert limit.take("tablet") == 0.0  # per client
    ticks.now += 0.5
    assert limit.take("deck") == 0.0
    assert limit.take("deck") > 0
    ticks.now += 60  # refills to the burst, not beyond
    assert [limit.take("deck") for _ in range(4)].count(0.0) == 3


def test_the_token_is_read_checked_and_compared() -> None:
    assert read_token({"TIMEKEEPER_CONTROL_TOKEN": f"  {TOKEN} "}) == TOKEN
    for bad in ({}, {"TIMEKEEPER_CONTROL_TOKEN": ""}, {"TIMEKEEPER_CONTROL_TOKEN": "short"},
                {"TIMEKEEPER_CONTROL_TOKEN": "with a space in it, long enough"}):  # fmt: skip
        with pytest.raises(UsageError) as refused:
            read_token(bad)
        assert "timekeeper token" in str(refused.value)
        assert "\n" not in str(refused.value)
    assert bearer_matches(f"Bearer {TOKEN}", TOKEN)
    assert bearer_matches(f"bearer {TOKEN}", TOKEN)
    for wrong in (None, TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "):
        assert not bearer_matches(wrong, TOKEN)
    assert len({new_token() for _ in range(20)}) == 20


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at("15:20"))


@pytest.fixture
def runtime(clock: ManualClock) -> Runtime:
    programme = seed()
    session = ShowSession(programme, clock)
    return Runtime.of(session, RunOptions(Path("programme.yaml")), clock.now())


@pytest.fixture
async def served(runtime: Runtime) -> AsyncIterator[tuple[str, Ticks]]:
    ticks = Ticks()
    api = ControlApi(Controls(runtime), TOKEN, clock=ticks, action_limit=(2, 1.0))
    server = SpeakerServer(runtime.session, port=0, extensions=[api.install])
    url = await server.start()
    yield url, ticks
    await server.stop()


async def test_the_api_limits_each_client_on_its_clock(served: tuple[str, Ticks]) -> None:
    url, ticks = served
    auth = {"Authorization": f"Bearer {TOKEN}", "X-Timekeeper-Client": "deck"}
    async with aiohttp.ClientSession() as http:

        async def post(headers: dict[str, str]) -> int:
            async with http.post(url + "api/actions/hold", headers=headers) as resp:
                return resp.status

        assert [await post(auth) for _ in range(3)] == [428, 428, 429]
        assert await post({**auth, "X-Timekeeper-Client": "tablet"}) == 428
        ticks.now += 1.0
        assert await post(auth) == 428
        assert await post({**auth, "X-Timekeeper-Client": "bad name!"}) == 400

        # a forgotten trigger repeating one stale token spends one guess, however often
        stale = {"Authorization": "Bearer stale-token-from-last-week", "X-Timekeeper-Client": "old"}
        answers = []
        for _ in range(12):
            ticks.now += 1.0  # within its own client's rate limit
            answers.append(await post(stale))
        assert answers == [401] * 12
        assert await post(auth) == 428  # the right token passes
        # different wrong tokens count per address, whatever name each guess gives
        guesses = [
            await post({"Authorization": f"Bearer guess{i}", "X-Timekeeper-Client": f"g{i}"})
            for i in range(11)
        ]
        assert guesses[:9] == [401] * 9 and guesses[-1] == 429
        assert await post(auth) == 428  # the right token always passes
        ticks.now += 2.0  # one guess back (0.5 a second)
        assert await post({"Authorization": "Bearer guess-x", "X-Timekeeper-Client": "g"}) == 401


def test_shorten_asks_only_when_it_would_pass_the_deadline(
    runtime: Runtime, clock: ManualClock
) -> None:
    ticks = Ticks()
    controls = Controls(runtime, clock=ticks)
    clock.set(at("15:30"))
    runtime.session.tick()  # the introduction (5 min) starts by itself
    clock.set(at("15:33"))  # 2 minutes left
    assert controls.run("shorten", {"minutes": 1}, "osc").result == "shorten: -1 min"
    ticks.now += 1.0  # not a burst
    with pytest.raises(Refused) as asked:
        controls.run("shorten", {"minutes": 1}, "osc")  # 1 minute left: it would end now
    assert asked.value.status == 428
    assert runtime.session.status().live is not None
    done = controls.run("shorten", {"minutes": 1, "confirm": True}, "osc")
    assert any(e["event"] == "slot_ended" for e in done.events)
    status = runtime.session.status()
    assert status.live is None and status.next is not None  # waits for the keynote's 15:35
    assert status.next.slot.id == "keynote"
