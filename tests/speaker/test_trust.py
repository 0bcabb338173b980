"""A page on another site, or a DNS-rebinding name, cannot read the show: real HTTP requests."""

from __future__ import annotations

import aiohttp
import pytest

from timekeeper.speaker.server import SpeakerServer
from timekeeper.speaker.trust import Trust

ROUTES = ("", "state", "speaker.js", "speaker.css")


def _netloc(server: SpeakerServer) -> str:
    return f"127.0.0.1:{server.port}"


async def _get(server: SpeakerServer, path: str, headers: dict[str, str]) -> tuple[int, str]:
    assert server.url is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.url + path, headers=headers) as resp,
    ):
        return resp.status, await resp.text()


@pytest.mark.parametrize("path", ROUTES)
async def test_a_foreign_origin_is_refused_on_every_route(server: SpeakerServer, path: str) -> None:
    status, body = await _get(server, path, {"Origin": "https://evil.example"})
    assert status == 403
    assert "evil.example" in body and "may not use this server" in body


@pytest.mark.parametrize("origin", ["null", "http://127.0.0.1:1", "http://localhost:8765"])
async def test_an_origin_that_is_not_this_server_exactly_is_refused(
    server: SpeakerServer, origin: str
) -> None:
    status, _ = await _get(server, "state", {"Origin": origin})
    assert status == 403


@pytest.mark.parametrize("path", ROUTES)
async def test_a_rebinding_host_is_refused_on_every_route(server: SpeakerServer, path: str) -> None:
    host = f"attacker.example:{server.port}"
    status, body = await _get(server, path, {"Host": host})
    assert status == 403
    assert "attacker.example" in body and "--allow-host" in body


async def test_the_speaker_page_itself_and_followers_are_served(server: SpeakerServer) -> None:
    same = {"Origin": f"http://{_netloc(server)}"}
    assert (await _get(server, "state", same))[0] == 200  # the page's own fetch("/state")
    assert (await _get(server, "state", {}))[0] == 200  # curl, `timekeeper speaker`
    local = {"Host": f"localhost:{server.port}", "Origin": f"http://localhost:{server.port}"}
    assert (await _get(server, "state", local))[0] == 200


async def test_the_websocket_refuses_a_foreign_origin_and_takes_its_own(
    server: SpeakerServer,
) -> None:
    assert server.url is not None
    ws_url = server.url.replace("http://", "ws://") + "ws"
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url, origin="https://evil.example")
        assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as rebound:
            await http.ws_connect(ws_url, headers={"Host": f"evil.example:{server.port}"})
        assert rebound.value.status == 403
        async with http.ws_connect(ws_url, origin=f"http://{_netloc(server)}") as ws:
            first = await ws.receive_json(timeout=5)
        assert first["type"] == "snapshot"


async def test_a_name_given_with_allow_host_is_served(session: object) -> None:
    from timekeeper.show.session import ShowSession

    assert isinstance(session, ShowSession)
    srv = SpeakerServer(session, port=0, allow_hosts=["Timer.Venue.lan"])
    await srv.start()
    try:
        host = f"timer.venue.lan:{srv.port}"
        ok = await _get(srv, "state", {"Host": host, "Origin": f"http://{host}"})
        assert ok[0] == 200
        assert (await _get(srv, "state", {"Host": f"other.venue.lan:{srv.port}"}))[0] == 403
    finally:
        await srv.stop()


def test_host_rules() -> None:
    trust = Trust(frozenset({"localhost", "stage-pc", "stage-pc.local"}), 8765)
    for ok in ("127.0.0.1:8765", "[::1]:8765", "192.168.1.20:8765", "stage-pc.local:8765",
               "STAGE-PC:8765", "localhost", "show.localhost:8765", None):  # fmt: skip
        assert trust.host_refusal(ok) is None, ok
    for bad in ("127.0.0.1:9999", "evil.example:8765", "stage-pc.evil.example:8765", "a b",
                "user@127.0.0.1:8765"):  # fmt: skip
        assert trust.host_refusal(bad) is not None, bad
