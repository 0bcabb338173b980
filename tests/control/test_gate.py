"""Issue 21 against a real `timekeeper run --control --osc`: no datagram blocks the loop,
copies of a show-moving action move the show once, bodies are read whole, a stale token
locks nobody out, a wrong `from` is refused, and what the run shows and warns at start."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import time
from pathlib import Path

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from tests.control.client import TOKEN, Run, running, timekeeper
from timekeeper.core.clock import SystemClock

NTP_EPOCH = 2208988800  # seconds from 1900 (OSC timetags) to 1970


def message(address: str, *args: str | int | float) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return bytes(builder.build().dgram)


def bundle(timetag: float, *messages: bytes) -> bytes:
    seconds = int(timetag) + NTP_EPOCH
    fraction = int((timetag % 1) * 2**32)
    body = b"".join(struct.pack(">i", len(m)) + m for m in messages)
    return b"#bundle\x00" + struct.pack(">II", seconds, fraction) + body


def send_datagram(run: Run, data: bytes, replies: int) -> list[OscMessage]:
    """Send one datagram and read `replies` answers (10 s each at most)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        s.sendto(data, ("127.0.0.1", run.osc))
        return [OscMessage(s.recv(65536)) for _ in range(replies)]


def raw_request(run: Run, request: bytes, parts: int = 1) -> tuple[int, dict[str, object]]:
    """Send an HTTP request over one connection in `parts` TCP segments; status and JSON body."""
    with socket.create_connection(("127.0.0.1", run.port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        size = -(-len(request) // parts)
        for i in range(parts):
            s.sendall(request[i * size : (i + 1) * size])
            time.sleep(0.2)  # makes the next part a separate segment: the server reads it later
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body or b"{}")


def post_bytes(run: Run, name: str, body: bytes, extra: str = "") -> bytes:
    return (
        f"POST /api/actions/{name} HTTP/1.1\r\nHost: 127.0.0.1:{run.port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nX-Timekeeper-Client: deck\r\n"
        f"Content-Type: application/json\r\nConnection: close\r\n{extra}"
    ).encode() + body


def test_a_future_timetag_does_not_freeze_the_run(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        future = bundle(SystemClock().now().timestamp() + 25, message("/timekeeper/turn"))
        started = time.monotonic()
        (reply,) = send_datagram(run, future, 1)  # answered now, not in 25 s
        assert reply.address == "/timekeeper/refused", reply.params
        assert run.status()["mode"] == "before"
        assert time.monotonic() - started < 10  # on the old code: 25 s of a frozen loop
        run.stop()


def test_five_copies_in_one_datagram_move_the_show_once(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        five = bundle(0, *[message("/timekeeper/next", "confirm")] * 5)
        replies = send_datagram(run, five, 5)
        done = [r for r in replies if r.address == "/timekeeper/done"]
        refused = [r for r in replies if r.address == "/timekeeper/refused"]
        assert len(done) == 1 and len(refused) == 4, [r.params for r in replies]
        assert all(r.params[1] == 409 for r in refused)
        status = run.status()
        assert status["mode"] == "live" and status["live"]["slot"] == "introduction"
        run.stop()


def test_parallel_confirmed_requests_move_the_show_once(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        for copies, names in ((3, False), (200, True)):
            before = run.status()
            request = [
                post_bytes(run, "next", b'{"confirm": true}',
                           f"Content-Length: 17\r\nX-Timekeeper-Client: c{i}\r\n\r\n"
                           if names else "Content-Length: 17\r\n\r\n")
                for i in range(copies)
            ]  # fmt: skip
            socks = []
            for _ in range(copies):  # connect first: then every request leaves at once
                try:
                    socks.append(socket.create_connection(("127.0.0.1", run.port), timeout=10))
                except OSError:
                    break  # refused past the per-address cap: fine, it moves nothing
            for s, data in zip(socks, request, strict=False):
                with contextlib.suppress(OSError):
                    s.sendall(data)
            oks = 0
            for s in socks:
                with contextlib.suppress(OSError):
                    oks += s.recv(64).startswith(b"HTTP/1.1 200")
                s.close()
            assert oks <= 1, oks
            after = run.status()
            moved = (before.get("live") or {}).get("slot") != (after.get("live") or {}).get("slot")
            assert oks == int(moved) and after["mode"] != "ended"
            time.sleep(0.2)  # a person's pace before the next round
        run.stop()


def test_a_wrong_from_is_refused_and_bodies_are_read_whole(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        assert run.act("next", {"confirm": True}).status == 200  # the introduction is live
        wrong = run.act("next", {"confirm": True, "from": "keynote"})
        assert wrong.status == 409 and "keynote is no longer live" in wrong.body["error"]
        body = b'{"confirm": true, "from": "introduction"}'
        split = post_bytes(run, "next", body, f"Content-Length: {len(body)}\r\n\r\n")
        status, answer = raw_request(run, split, parts=2)  # the old server answered 400
        assert status == 200, answer
        assert run.status()["live"]["slot"] == "keynote"
        time.sleep(0.2)  # a person's pace
        chunks = b'{"minutes":' + b" 2}"
        chunked = post_bytes(
            run, "extend",
            b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(chunks[:6]), chunks[:6],
                                                   len(chunks[6:]), chunks[6:]),
            "Transfer-Encoding: chunked\r\n\r\n",
        )  # fmt: skip
        status, answer = raw_request(run, chunked, parts=3)
        assert status == 200 and answer["result"] == "extend: +2 min", answer
        run.stop()


def test_a_stale_token_never_locks_out_the_right_one(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        stale = [run.act("hold", token="stale-" + "x" * 30, client="companion", retry=False,
                         paced=False) for _ in range(10)]  # fmt: skip
        assert {a.status for a in stale} == {401}
        for _ in range(3):
            assert run.act("hold", client="companion", retry=False).status == 428
        run.stop()


def test_osc_with_bad_utf8_is_refused_and_logged_once_with_a_count(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        bad = b"/timekeeper/message\x00\x00\x00\x00,s\x00\x00\xff\xfe\xfd\x00"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _ in range(50):
                s.sendto(bad, ("127.0.0.1", run.osc))
        reply = run.osc_send("/timekeeper/message", "still here")
        assert reply.address == "/timekeeper/done"
        _, err = run.stop()
        diagnostics = next(tmp_path.glob("*.diagnostics.log")).read_text()
    assert "Traceback" not in err + diagnostics
    assert (err + diagnostics).count("refused OSC datagrams") == 2  # the first, then the count
    assert "refused OSC datagrams: 49 more" in err + diagnostics


def test_an_obs_url_with_credentials_is_refused_without_echoing_it(tmp_path: Path) -> None:
    done = timekeeper("run", "programme.yaml", "--dry-run", "--headless", "--port", "0",
                      "--obs-url", "ws://admin:hunter2secret@127.0.0.1:4455",
                      "--log", str(tmp_path))  # fmt: skip
    assert done.returncode == 2
    assert "may not hold a user or password" in done.stderr
    assert "hunter2secret" not in done.stdout + done.stderr
    assert not list(tmp_path.iterdir())


def test_serving_beyond_loopback_warns_and_shows_a_real_address(tmp_path: Path) -> None:
    with running(tmp_path, "--bind", "0.0.0.0", "--osc-bind", "0.0.0.0") as run:
        out, _ = run.stop()
    notices = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    events = {n["event"]: n for n in notices}
    assert "beyond this machine" in events["control_exposed"]["message"]
    assert "beyond this machine" in events["osc_exposed"]["message"]
    assert "0.0.0.0" not in events["speaker_server"]["url"]
    assert "0.0.0.0" not in events["osc_listening"]["message"]


def test_the_soft_descriptor_limit_is_raised_and_idle_sockets_are_capped(tmp_path: Path) -> None:
    with running(tmp_path) as run:
        limits = Path(f"/proc/{run.proc.pid}/limits").read_text()
        soft = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        hard = int(soft.split()[4]) if soft.split()[4].isdigit() else 0
        assert int(soft.split()[3]) >= min(hard, 65536), soft
        idle = []
        closed = 0
        for _ in range(80):  # more than one address may keep open
            s = socket.create_connection(("127.0.0.1", run.port), timeout=10)
            s.sendall(b"GET /state HTTP/1.1\r\n")  # half-sent, never finished
            idle.append(s)
        for s in idle:
            s.settimeout(5)
            try:
                closed += s.recv(1) == b""
            except TimeoutError:
                pass
            except OSError:
                closed += 1
        assert closed >= 80 - 64  # the old server kept them all open
        for s in idle:
            s.close()
        assert run.status()["mode"] == "before"  # the real client still gets in
        run.stop()
