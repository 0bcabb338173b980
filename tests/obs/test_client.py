"""The simpleobsws adapter against the in-process fake server: its sharp edges, one by one."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from tests.obs.fake import FakeObs
from timekeeper.errors import ObsAuthError, ObsConnectionError, ObsRequestError, ObsTimeoutError
from timekeeper.obs.client import EVENT_SUBSCRIPTIONS, ObsClient
from timekeeper.obs.port import Disconnected, PortEvent, ProgramSceneChanged

from .conftest import PASSWORD


async def connected(fake: FakeObs, **kw: Any) -> tuple[ObsClient, list[PortEvent]]:
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PW", **kw)
    events: list[PortEvent] = []
    client.subscribe(events.append)
    await client.connect()
    return client, events


async def until(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


async def test_connects_lists_scenes_in_obs_order_and_reports_version(fake: FakeObs) -> None:
    client, _ = await connected(fake)
    assert client.connected
    assert client.info is not None and client.info.websocket_version == "5.1.0"
    scenes = await client.get_scene_list()
    assert scenes.scenes == ("Holding", "Intro", "Keynote", "Panel", "Q&A")
    assert scenes.program == "Holding"
    await client.close()
    assert not client.connected


async def test_identifies_with_a_fresh_subscription_mask_without_transition_events(
    fake: FakeObs,
) -> None:
    client, _ = await connected(fake)
    assert EVENT_SUBSCRIPTIONS & (1 << 4) == 0  # Transitions: they cause the Nagle stall
    assert EVENT_SUBSCRIPTIONS & (1 << 2)  # Scenes: the confirmation
    await client.close()


async def test_switch_is_confirmed_by_the_event_not_the_reply(fake: FakeObs) -> None:
    fake.event_delay = 0.05
    client, events = await connected(fake)
    await client.switch("Keynote")
    assert ProgramSceneChanged("Keynote") not in events  # the reply came first
    await until(lambda: ProgramSceneChanged("Keynote") in events)
    await client.close()


async def test_error_reply_raises_with_code_and_comment(fake: FakeObs) -> None:
    client, _ = await connected(fake)
    with pytest.raises(ObsRequestError) as info:
        await client.set_current_program_scene("Nope")
    assert info.value.code == 600
    assert "Nope" in info.value.comment
    fake.fail_next("GetSceneList", 207, "Not ready")
    with pytest.raises(ObsRequestError, match="Not ready"):
        await client.get_scene_list()
    await client.close()


async def test_switch_with_transition_is_one_batch_and_a_bad_transition_only_warns(
    fake: FakeObs,
) -> None:
    client, _ = await connected(fake)
    assert await client.switch("Panel", transition="Cut", duration_ms=300) == ()
    assert fake.current_transition == "Cut"
    warnings = await client.switch("Intro", transition="Wipe")
    assert [w.code for w in warnings] == [600]
    await asyncio.sleep(0.05)
    assert fake.program == "Intro"
    await client.close()


async def test_switch_from_preview_triggers_the_studio_mode_transition(fake: FakeObs) -> None:
    client, _ = await connected(fake)
    await client.set_studio_mode(True)
    await client.set_current_preview_scene("Panel")
    warnings = await client.switch("Panel", transition="Wipe", from_preview=True)
    assert [w.code for w in warnings] == [600]
    assert fake.count("TriggerStudioModeTransition") == 1
    assert fake.count("SetCurrentProgramScene") == 0
    await asyncio.sleep(0.05)
    assert fake.program == "Panel"
    await client.set_studio_mode(False)
    with pytest.raises(ObsRequestError) as info:
        await client.switch("Keynote", from_preview=True)
    assert info.value.code == 506
    await client.close()


async def test_wrong_password_fails_fast_without_leaking_it(fake: FakeObs) -> None:
    client = ObsClient(fake.url, "not-the-password-123", password_env="OBS_PW", connect_timeout=5)
    t0 = time.monotonic()
    with pytest.raises(ObsAuthError) as info:
        await client.connect()
    assert time.monotonic() - t0 < 1.0  # not the 5 s identify timeout
    assert "OBS_PW" in str(info.value)
    assert "not-the-password-123" not in str(info.value) + repr(client)


async def test_missing_password_names_the_environment_variable(fake: FakeObs) -> None:
    client = ObsClient(fake.url, None, password_env="TK_OBS_PASSWORD")
    with pytest.raises(ObsAuthError, match="set the environment variable TK_OBS_PASSWORD"):
        await client.connect()


async def test_refused_says_what_to_check() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ObsClient(f"ws://127.0.0.1:{port}")
    with pytest.raises(ObsConnectionError, match="WebSocket Server Settings"):
        await client.connect()


async def test_bad_url_is_a_connection_error() -> None:
    with pytest.raises(ObsConnectionError, match="not a websocket URL"):
        await ObsClient("http://127.0.0.1:4455").connect()


async def test_stalled_server_times_out_on_connect_and_on_requests(fake: FakeObs) -> None:
    fake.stalled = True
    client = ObsClient(fake.url, PASSWORD, connect_timeout=0.3)
    with pytest.raises(ObsTimeoutError, match="no obs-websocket Hello"):
        await client.connect()
    fake.stalled = False
    client, _ = await connected(fake, request_timeout=0.2)
    fake.stalled = True
    t0 = time.monotonic()
    with pytest.raises(ObsTimeoutError):
        await client.get_scene_list()
    assert time.monotonic() - t0 < 0.5
    await client.close()


async def test_drop_is_reported_at_once_and_in_flight_requests_fail_fast(fake: FakeObs) -> None:
    client, events = await connected(fake, request_timeout=5)
    fake.reply_delay = 1.0
    call = asyncio.ensure_future(client.get_scene_list())
    await asyncio.sleep(0.05)
    t0 = time.monotonic()
    fake.drop()
    with pytest.raises(ObsConnectionError, match="lost"):
        await call
    assert time.monotonic() - t0 < 0.5  # not the 5 s request timeout
    await until(lambda: any(isinstance(e, Disconnected) for e in events))
    assert not client.connected
    with pytest.raises(ObsConnectionError, match="not connected"):
        await client.get_scene_list()
    fake.reply_delay = 0
    await client.connect()  # the same client reconnects
    assert (await client.get_scene_list()).program == "Holding"
    await client.close()


async def test_a_dead_receive_task_counts_as_a_disconnect(fake: FakeObs) -> None:
    client, events = await connected(fake)
    await fake.send_garbage()
    await until(lambda: any(isinstance(e, Disconnected) for e in events))
    assert not client.connected
    [lost] = [e for e in events if isinstance(e, Disconnected)]
    assert "receive task" in lost.reason and not lost.by_client


async def test_clean_obs_stop_is_a_disconnect_with_code_1001(fake: FakeObs) -> None:
    client, events = await connected(fake)
    await fake.stop()
    await until(lambda: any(isinstance(e, Disconnected) for e in events))
    [lost] = [e for e in events if isinstance(e, Disconnected)]
    assert lost.code == 1001
    await fake.start()


async def test_socket_has_nodelay_and_the_websockets_logger_is_quiet(fake: FakeObs) -> None:
    client, _ = await connected(fake)
    sock = client._ws.ws.transport.get_extra_info("socket")
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    assert logging.getLogger("websockets").getEffectiveLevel() >= logging.WARNING
    await client.close()


async def test_password_never_in_logs_or_reprs(
    fake: FakeObs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = await connected(fake)
    await client.get_scene_list()
    fake.drop()
    await asyncio.sleep(0.05)
    with pytest.raises(ObsAuthError) as info:
        await ObsClient(fake.url, PASSWORD + "x").connect()
    text = caplog.text + repr(client) + str(info.value) + repr(info.value)
    assert PASSWORD not in text


async def test_text_and_outputs(fake: FakeObs) -> None:
    client, _ = await connected(fake)
    await client.set_text("Countdown", "4:59")
    assert fake.input_settings["Countdown"]["text"] == "4:59"
    with pytest.raises(ObsRequestError) as info:
        await client.set_text("Nope", "x")
    assert info.value.code == 600
    assert [i.name for i in await client.get_input_list()] == ["Countdown"]
    assert not (await client.get_record_status()).active
    await client.start_record()
    assert (await client.get_record_status()).active
    with pytest.raises(ObsRequestError) as running:
        await client.start_record()
    assert running.value.code == 500
    await client.stop_record()
    assert (await client.get_video_settings()).frame_interval == pytest.approx(1 / 30)
    await client.close()


async def test_fake_can_refuse_every_password(fake: FakeObs) -> None:
    fake.refuse_auth = True
    with pytest.raises(ObsAuthError, match="rejected"):
        await ObsClient(fake.url, PASSWORD).connect()


class _StepWs:
    """A stand-in for simpleobsws's client that notes when a request is written."""

    def __init__(self) -> None:
        self.identified = True
        self.recv_task: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.written: list[str] = []
        self.answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def call(self, request: Any, timeout: float) -> Any:
        self.written.append(request.requestType)  # simpleobsws writes before its first wait
        return await self.answer


async def test_a_request_is_written_in_the_loop_step_that_asks_for_it() -> None:
    """A boundary's armed switch must not wait a loop step for a task of its own to start:
    on a loaded machine that step cost 7-23 ms (bench_obs_frames)."""
    client = ObsClient("ws://127.0.0.1:1")
    ws = _StepWs()
    client._ws = ws  # connected, as far as the request is concerned
    asking = asyncio.ensure_future(client.get_scene_list())
    await asyncio.sleep(0)  # one step: the asking task runs up to its first real wait
    assert ws.written == ["GetSceneList"]
    ws.recv_task.set_result(None)  # the connection dies with the request in flight
    with pytest.raises(ObsConnectionError, match="lost during GetSceneList"):
        await asyncio.wait_for(asking, 2)


async def test_a_lost_connection_never_cancels_the_caller_after_its_request_ended() -> None:
    client = ObsClient("ws://127.0.0.1:1")
    ws = _StepWs()
    client._ws = ws

    async def ask_then_work() -> str:
        def answer_and_die() -> None:  # the answer, and the connection's end queued after it
            ws.answer.set_result(_Ok())
            ws.recv_task.set_result(None)

        asyncio.get_running_loop().call_soon(answer_and_die)
        await client._call("GetVersion")  # in this very task
        await asyncio.sleep(0.01)  # the queued end runs here: it must cancel nothing
        return "worked on"

    assert await asyncio.wait_for(ask_then_work(), 2) == "worked on"


class _Ok:
    responseData: ClassVar[dict[str, Any]] = {}

    def ok(self) -> bool:
        return True

    class requestStatus:
        result, code, comment = True, 100, None
