"""`timekeeper speaker --mqtt URL --room NAME`: the terminal speaker screen following a room
through a real mosquitto, not the operator's HTTP server.

The room is a real RoomService publishing a ShowSession's retained `status`; the
screen is the real SpeakerApp with a RoomFollower. Show clock, the room's real
clock and the screen's clock are one ManualClock: the digits are computed from the
status's timestamps, so time passes only when the test moves it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.factories import at, seed
from tests.speaker.conftest import until
from timekeeper import cli
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import ManualClock
from timekeeper.rooms.follower import BROKER_LOST, ROOM_OFFLINE, ROOM_SILENT, RoomFollower
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.show.session import ShowSession
from timekeeper.tasks import stop_task
from timekeeper.ui.speaker.app import BigTime, SpeakerApp, SpeakerView

from .broker import Broker

FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)
TOPICS = RoomTopics.named("Data Work Symposium", "Room B")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at("15:25:01"))


@pytest.fixture
def session(clock: ManualClock) -> ShowSession:
    return ShowSession(seed(), clock)


@pytest.fixture
async def room(
    broker: Broker, session: ShowSession, clock: ManualClock
) -> AsyncIterator[RoomService]:
    """Room B of the Data Work Symposium, publishing to the test's broker."""
    options = RoomOptions(room="Room B", mqtt=broker.url, venue="Data Work Symposium")
    runtime = Runtime.of(session, RunOptions(Path("programme.yaml")), clock.now())
    service = RoomService(options, environ={}, real_clock=clock, backoff=FAST, health_every=60)
    await service.start(runtime)
    yield service
    await service.stop()


def screen(broker: Broker, clock: ManualClock) -> SpeakerApp:
    follower = RoomFollower(BrokerSettings("127.0.0.1", broker.port), TOPICS, clock, backoff=FAST)
    return SpeakerApp(broker.url, clock, source=follower)


def text_of(app: SpeakerApp, selector: str) -> str:
    return str(app.query_one(selector, Static).content)


async def frame(app: SpeakerApp, digits: str) -> None:
    await until(lambda: app.shown is not None and app.shown.digits == digits, 10, digits)
    await until(lambda: app.query_one(BigTime).value == digits, 5, f"{digits} on screen")


async def test_the_speaker_screen_follows_the_room_through_the_broker(
    room: RoomService, broker: Broker, session: ShowSession, clock: ManualClock
) -> None:
    app = screen(broker, clock)
    async with app.run_test(size=(100, 30)):
        await frame(app, "04:59")  # the retained status, counted to the first slot's start
        assert text_of(app, "#label") == "Starts in"
        assert text_of(app, "#title") == "Introduction"
        view = app.query_one(SpeakerView)
        assert not view.has_class("disconnected")

        clock.set(at("15:35"))
        session.tick()  # the keynote goes live: the room publishes a new status
        await frame(app, "35:00")
        assert text_of(app, "#speaker") == "Antonio A. Casilli"
        assert text_of(app, "#title") == "Keynote"
        assert text_of(app, "#next") == "Next: Panel at 16:10"

        published = room.published
        clock.advance(60)  # no message in between: the screen counts from the timestamps
        await frame(app, "34:00")
        assert room.published == published

        session.set_message("Five more minutes")
        await until(lambda: text_of(app, "#message") == "Five more minutes", 10, "the message")
        assert view.has_class("has-message")


async def test_a_screen_joining_an_online_room_never_says_it_has_no_word_from_it(
    room: RoomService, broker: Broker, session: ShowSession, clock: ManualClock
) -> None:
    """Every state the screen could draw, from its first connection on: the room is online
    and its status retained, so not one of them may say "NO WORD FROM THE ROOM". (The screen
    subscribed to `status` before `online`: the status arrived first, and a frame drawn
    between the two said so — the flaky failure of the test above under load.)"""
    clock.set(at("15:35"))
    session.tick()
    await until(lambda: room.published >= 2, 10, "the keynote's status on the broker")
    shown: list[str] = []
    follower = RoomFollower(BrokerSettings("127.0.0.1", broker.port), TOPICS, clock, backoff=FAST)
    follower.on_change = lambda: shown.append(follower.display().status)
    task = asyncio.get_running_loop().create_task(follower.run())
    try:
        await until(lambda: follower.received >= 1 and follower.online is True, 10, "followed")
        assert ROOM_SILENT not in shown and shown[-1] == ""
    finally:
        await stop_task(task, 2.0)


async def test_a_late_screen_counts_from_when_the_status_was_sent_not_when_it_arrived(
    room: RoomService, broker: Broker, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("15:35"))
    session.tick()
    await until(lambda: room.published >= 2, 10, "the keynote's status on the broker")
    clock.set(at("15:45"))  # ten minutes without a change: the retained status is that old
    app = screen(broker, clock)
    async with app.run_test(size=(80, 24)):
        await frame(app, "25:00")
        assert text_of(app, "#title") == "Keynote"


async def test_a_room_that_drops_off_and_a_lost_broker_are_said_and_the_screen_counts_on(
    room: RoomService, broker: Broker, session: ShowSession, clock: ManualClock
) -> None:
    clock.set(at("15:40"))
    session.tick()
    app = screen(broker, clock)
    async with app.run_test(size=(80, 24)):
        await frame(app, "30:00")
        view = app.query_one(SpeakerView)
        await room.stop()  # the operator's run ends: its online turns false
        await until(lambda: view.has_class("disconnected"), 10, "the room offline")
        assert text_of(app, "#status") == ROOM_OFFLINE
        clock.advance(90)
        await frame(app, "28:30")  # the last known state, still counting

        broker.kill()
        await until(lambda: text_of(app, "#status") == BROKER_LOST, 10, "the broker lost")
        clock.advance(30)
        await frame(app, "28:00")
        broker.start()
        # back, but the room is gone and the fresh broker knows nothing of it
        await until(lambda: text_of(app, "#status") == ROOM_SILENT, 10, "reconnected")
        await frame(app, "28:00")  # still the last known state


async def test_the_screen_waits_for_a_room_not_on_the_broker_yet(
    broker: Broker, clock: ManualClock
) -> None:
    app = screen(broker, clock)
    async with app.run_test(size=(80, 24)):
        follower = app.source
        assert isinstance(follower, RoomFollower)
        await until(lambda: follower.connected, 10, "connected to the broker")
        await until(lambda: "Waiting for the room" in text_of(app, "#status"), 5, "waiting")
        assert "timekeeper/data-work-symposium/room-b" in text_of(app, "#status")
        assert app.query_one(BigTime).value == "--:--"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--mqtt", "mqtt://127.0.0.1:1883"], "--mqtt needs --room NAME"),
        (["--room", "Room B"], "add --mqtt URL"),
        (["--mqtt", "http://broker", "--room", "B"], "mqtt://HOST[:PORT]"),
        (["--mqtt", "mqtt://user:pw@broker", "--room", "B"], "may not hold a user or password"),
    ],
)
def test_a_half_given_room_exits_2_with_a_clear_message(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["speaker", *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "pw" not in err.replace("password", "")
    assert len(err.strip().splitlines()) == 1
