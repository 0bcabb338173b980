"""Live times out: a room's schedule.json (and ICS) with expected and actual times.

Through a real speaker server (`/schedule.json`, `/schedule.ics`, beside `/state`)
and through a real mosquitto (the room's retained `schedule` topic beside its
`status`): at each change the document validates against c3voc's schema
(read from ../shared/schedules; the tests skip naming the file without it),
its times are those `/state` (the status snapshot) shows, the planned times
are kept beside them and the live talk is marked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import icalendar
import jsonschema
import pytest

from tests.factories import at, seed
from tests.interop.conftest import samples_dir
from tests.rooms.broker import Broker, Listener
from timekeeper.app.assembly import build_runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.interop import identity
from timekeeper.rooms.options import RoomOptions
from timekeeper.rooms.service import RoomService
from timekeeper.show.session import ShowSession
from timekeeper.speaker.server import SpeakerServer

REPO = Path(__file__).resolve().parents[2]
BASE = "timekeeper/dws/plenary/"


@pytest.fixture
def schema() -> dict[str, Any]:
    path = samples_dir() / "schema.json"
    if not path.is_file():
        pytest.skip(f"c3voc's schema.json not found at {path}")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def events(doc: dict[str, Any]) -> list[dict[str, Any]]:
    days = doc["schedule"]["conference"]["days"]
    return [e for day in days for room in day["rooms"].values() for e in room]


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def check(doc: dict[str, Any], state: dict[str, Any], schema: dict[str, Any]) -> None:
    """Valid for c3voc, and its live and next talks at the times the status snapshot says."""
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
    by_slot = {e["guid"]: e for e in events(doc)}
    extra = doc["schedule"]["timekeeper"]
    slot_of = {g: v["slot"] for g, v in extra["events"].items()}
    by_id = {slot_of[g]: e for g, e in by_slot.items()}
    live = state["live"]
    if live is None:
        assert extra["live"] is None
    else:
        event = by_id[live["id"]]
        assert extra["live"] == event["guid"]
        assert extra["events"][event["guid"]]["state"] == "live"
        assert when(event["date"]) == when(live["countdown"]["start"])
        assert when(event["end"]) == when(live["countdown"]["deadline"])
    nxt = state["next"]
    if nxt is not None and nxt["expected_start"] is not None:
        event = by_id[nxt["id"]]
        assert when(event["date"]) == when(nxt["expected_start"])
        local = when(nxt["expected_start"]).astimezone(when(event["date"]).tzinfo)  # type: ignore[union-attr]
        assert event["start"] == local.strftime("%H:%M")
        planned = extra["events"][event["guid"]]["planned_start"]
        assert when(planned) == when(nxt["planned_start"])


# ---------------------------------------------------------------------- a real speaker server


@pytest.fixture
async def show() -> AsyncIterator[tuple[SpeakerServer, ShowSession, ManualClock]]:
    clock = ManualClock(at("15:20"))
    session = ShowSession(seed(), clock)
    server = SpeakerServer(session, port=0, heartbeat=0.2)
    await server.start()
    yield server, session, clock
    await server.stop()


async def fetch(http: aiohttp.ClientSession, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    async with http.get(url + "schedule.json") as r:
        assert r.status == 200 and r.content_type == "application/json"
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        doc = await r.json()
    async with http.get(url + "state") as r:
        state = await r.json()
    return doc, state


async def test_schedule_json_follows_the_show_and_matches_state(
    show: tuple[SpeakerServer, ShowSession, ManualClock], schema: dict[str, Any]
) -> None:
    server, session, clock = show
    assert server.url is not None
    async with aiohttp.ClientSession() as http:
        doc, state = await fetch(http, server.url)  # before the show: all as planned
        check(doc, state, schema)
        intro = events(doc)[0]
        assert intro["date"] == "2023-11-20T15:30:00+01:00" and intro["start"] == "15:30"

        clock.set(at("15:30"))  # the introduction starts on time
        session.tick()
        doc, state = await fetch(http, server.url)
        check(doc, state, schema)

        clock.set(at("15:33"))
        session.act(Action(ActionKind.NEXT))  # the keynote starts 2 minutes early
        doc, state = await fetch(http, server.url)
        check(doc, state, schema)

        session.act(Action(ActionKind.EXTEND, minutes=10))  # and runs 10 minutes longer
        doc, state = await fetch(http, server.url)
        check(doc, state, schema)
        extra = doc["schedule"]["timekeeper"]["events"]
        by_slot = {extra[e["guid"]]["slot"]: e for e in events(doc)}
        keynote = by_slot["keynote"]
        assert keynote["date"] == "2023-11-20T15:33:00+01:00" and keynote["start"] == "15:33"
        assert keynote["duration"] == "00:45"  # 35 planned + 10 extended
        assert extra[keynote["guid"]]["planned_start"] == "2023-11-20T15:35:00+01:00"
        assert extra[keynote["guid"]]["actual_start"] == "2023-11-20T15:33:00+01:00"
        intro = extra[by_slot["introduction"]["guid"]]
        assert intro["state"] == "done" and intro["actual_end"] == "2023-11-20T15:33:00+01:00"
        assert by_slot["panel"]["date"] == "2023-11-20T16:18:00+01:00"  # 8 minutes late
        assert extra[by_slot["panel"]["guid"]]["state"] == "expected"

        async with http.get(server.url + "schedule.ics") as r:
            assert r.status == 200 and r.content_type == "text/calendar"
            cal = icalendar.Calendar.from_ical(await r.read())
        vevents = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
        assert vevents["Panel"].decoded("DTSTART") == when(state["next"]["expected_start"])
        assert vevents["Keynote"].decoded("DTSTART") == when(state["live"]["countdown"]["start"])
        assert "planned 16:10–17:10, expected" in str(vevents["Panel"]["DESCRIPTION"])
        assert "planned 15:35–16:10, live" in str(vevents["Keynote"]["DESCRIPTION"])
        panel = session.programme.slots[2]
        assert (
            str(vevents["Panel"]["UID"]) == f"{identity.guid(session.programme, panel)}@timekeeper"
        )


# ---------------------------------------------------------------------- a real broker


@pytest.fixture
async def room(
    broker: Broker, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Any, RoomService]]:
    options = RunOptions(
        REPO / "programme.yaml",
        dry_run=True,
        at=getattr(request, "param", "16:09:30"),
        headless=True,
        port=0,
        log=tmp_path,
        room=RoomOptions(room="Plenary", mqtt=broker.url, venue="DWS"),
    )
    runtime = build_runtime(options)
    assert runtime.pair is not None  # a room's service is its pair's
    service = runtime.pair.room
    async with runtime.services_running():
        yield runtime, service
    runtime.close()


async def test_each_change_publishes_the_schedule_retained_beside_the_status(
    broker: Broker, room: tuple[Any, RoomService], schema: dict[str, Any]
) -> None:
    runtime, _ = room
    async with Listener(broker.port) as heard:
        _, payload, _ = await heard.wait_for(BASE + "schedule")
        first = json.loads(payload)
        check(first, status_before(heard, len(heard.messages)), schema)
        for minutes in (3, -1):
            runtime.session.act(Action(ActionKind.EXTEND, minutes=minutes))
            old = {p for t, p, _ in heard.messages if t == BASE + "schedule"}

            def new(p: bytes, old: set[bytes] = old) -> bool:
                return p not in old

            _, payload, _ = await heard.wait_for(BASE + "schedule", new)
            doc = json.loads(payload)
            # published right after the status of the same change: what /state showed then
            index = next(i for i, m in enumerate(heard.messages) if m[1] == payload)
            check(doc, status_before(heard, index), schema)
        # the panel's end moved 3 - 1 = 2 minutes, and with it everything after
        ends = {e["title"]: when(e["end"]) for e in events(doc)}
        before = {e["title"]: when(e["end"]) for e in events(first)}
        for title in ("Panel discussion", "Q&A with the participants"):
            assert ends[title] - before[title] == timedelta(minutes=2)  # type: ignore[operator]

    async with Listener(broker.port, BASE + "schedule") as late:
        _, payload, retained = await late.wait_for(BASE + "schedule")
        assert retained and json.loads(payload) == doc


def status_before(listener: Listener, index: int) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        next(p for t, p, _ in reversed(listener.messages[:index]) if t == BASE + "status")
    )
    return found


@pytest.mark.parametrize("room", ["16:09:57"], indirect=True)
async def test_a_held_talk_running_over_moves_the_schedule_without_any_event(
    broker: Broker, room: tuple[Any, RoomService], schema: dict[str, Any]
) -> None:
    """Held at 16:09:57, the keynote's end (planned 16:10) moves with the clock: the schedule
    is published again as it moves, though nothing happens in the show."""
    runtime, _ = room
    runtime.session.act(Action(ActionKind.HOLD))
    async with Listener(broker.port, BASE + "#") as heard:

        def late(p: bytes) -> bool:
            doc = json.loads(p)
            keynote = next(e for e in events(doc) if e["title"] == "Keynote lecture")
            return when(keynote["end"]) >= when("2023-11-20T16:10:02+01:00")  # type: ignore[operator]

        _, payload, _ = await heard.wait_for(BASE + "schedule", late, timeout=20)
        index = next(i for i, m in enumerate(heard.messages) if m[1] == payload)
        doc = json.loads(payload)
        jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
        panel = next(e for e in events(doc) if e["title"] == "Panel discussion")
        keynote = next(e for e in events(doc) if e["title"] == "Keynote lecture")
        assert panel["date"] == keynote["end"]  # the panel waits for the held keynote
        state = status_before(heard, index)
        assert state["held"] and when(state["next"]["planned_start"]) < when(panel["date"])  # type: ignore[operator]
