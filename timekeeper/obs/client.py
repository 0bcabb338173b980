"""The obs-websocket 5 adapter: the only module in timekeeper that imports `simpleobsws`.

It turns simpleobsws's sharp edges (as measured against OBS 29 in docs/obs-headless.md)
into the `ObsPort` contract:

- a failed request does not raise in simpleobsws: every reply's
  `requestStatus` is checked and turned into `ObsRequestError(code, comment)`;
- a wrong password only shows as a close with code 4009 while
  `wait_until_identified` waits out its whole timeout: we wait on the receive
  task too, so a rejection is reported within milliseconds;
- there is no disconnect callback and an in-flight request waits out its whole
  timeout when OBS dies: every request also waits on the receive task, and a
  watcher task reports `Disconnected` as soon as that task ends (which also
  covers the case of an unexpected message killing it while `identified`
  stays True);
- obs-websocket does not disable Nagle's algorithm, so a reply that follows an
  event waits for our delayed ACK (~40 ms): the socket gets TCP_NODELAY and
  TCP_QUICKACK, the latter re-armed after every receive (Linux resets it);
- it sets the `websockets` logger to INFO at import: put back to WARNING.

The password is held in a `Secret` and never appears in an exception, a log
line or a repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import simpleobsws
import websockets.exceptions

from timekeeper.errors import (
    ObsAuthError,
    ObsConnectionError,
    ObsRefusedError,
    ObsTimeoutError,
)
from timekeeper.obs.port import (
    CLOSE_AUTHENTICATION_FAILED,
    Disconnected,
    EventHandler,
    ObsInfo,
    PortEvent,
)
from timekeeper.obs.protocol import (
    DEFAULT_URL,
    EVENT_SUBSCRIPTIONS,
    Secret,
    check,
    missing_password_message,
    port_event,
    refused_message,
    wrong_password_message,
)
from timekeeper.obs.requests import ObsRequests

# simpleobsws raises the websockets logger to INFO (one line per connection) and
# logs whole protocol messages at DEBUG: keep both quiet unless something is wrong.
logging.getLogger("websockets").setLevel(logging.WARNING)
logging.getLogger("simpleobsws").setLevel(logging.INFO)
log = logging.getLogger(__name__)


class ObsClient(ObsRequests):
    """`ObsPort` over obs-websocket 5 via simpleobsws. Reusable: `connect()` again after a drop."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        password: str | None = None,
        *,
        password_env: str | None = None,
        connect_timeout: float = 5.0,
        request_timeout: float = 3.0,
        tcp_quickack: bool = True,
    ) -> None:
        self._url = url
        self._quickack = tcp_quickack  # off only to measure what it saves (bench/)
        self._password = Secret(password)
        self._password_env = password_env
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self._ws: Any = None  # simpleobsws.WebSocketClient while connected
        self._watch: asyncio.Task[None] | None = None
        self._handlers: list[EventHandler] = []
        self.info: ObsInfo | None = None

    def __repr__(self) -> str:
        pw = "set" if self._password else "none"
        return f"ObsClient(url={self._url!r}, password={pw})"

    # ------------------------------------------------------------------ connection

    @property
    def url(self) -> str:
        return self._url

    @property
    def connected(self) -> bool:
        ws = self._ws
        return bool(ws is not None and ws.identified and not ws.recv_task.done())

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._handlers.remove(handler)

        return unsubscribe

    async def connect(self) -> ObsInfo:
        await self.close()
        ws = simpleobsws.WebSocketClient(
            url=self._url,
            password=self._password.reveal(),
            # Always a fresh object: simpleobsws's default argument is shared and mutable.
            identification_parameters=simpleobsws.IdentificationParameters(
                eventSubscriptions=EVENT_SUBSCRIPTIONS
            ),
        )
        ws.register_event_callback(self._make_event_callback(ws))
        await self._open(ws)
        try:
            await self._identify(ws)
            self._ws = ws
            version = await self._call("GetVersion")
        except BaseException:
            self._ws = None
            await _discard(ws)
            raise
        self.info = ObsInfo(
            obs_version=str(version.get("obsVersion", "?")),
            websocket_version=str(version.get("obsWebSocketVersion", "?")),
            rpc_version=int(version.get("rpcVersion", 1)),
        )
        self._watch = asyncio.create_task(self._watch_connection(ws), name="obs-connection-watch")
        return self.info

    async def _open(self, ws: Any) -> None:
        """Open the websocket; map every way it can fail to an ObsError with a reason."""
        try:
            await asyncio.wait_for(ws.connect(), self.connect_timeout)
        except ConnectionRefusedError as exc:
            raise ObsRefusedError(refused_message(self._url)) from exc
        except TimeoutError as exc:
            raise ObsTimeoutError(
                f"no answer from {self._url} within {self.connect_timeout:g} s "
                "(network stall, firewall, or OBS frozen?)"
            ) from exc
        except websockets.exceptions.InvalidURI as exc:
            raise ObsConnectionError(
                f"{self._url!r} is not a websocket URL (expected ws://HOST:PORT)"
            ) from exc
        except websockets.exceptions.InvalidHandshake as exc:
            raise ObsConnectionError(
                f"something answered at {self._url} but it is not obs-websocket ({exc})"
            ) from exc
        except OSError as exc:
            raise ObsConnectionError(f"cannot reach {self._url}: {exc.strerror or exc}") from exc
        self._tune_socket(ws)

    async def _identify(self, ws: Any) -> None:
        """Wait for Identified, or for the server to close on us (4009 = bad password)."""
        waiter = asyncio.ensure_future(ws.wait_until_identified(self.connect_timeout))
        try:
            await asyncio.wait(
                {waiter, ws.recv_task},
                timeout=self.connect_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
        if ws.identified and not ws.recv_task.done():
            return
        code, reason = _close_info(ws)
        hello = ws.hello_message
        needs_password = isinstance(hello, dict) and "authentication" in hello
        if code == CLOSE_AUTHENTICATION_FAILED:
            if needs_password and not self._password:
                raise ObsAuthError(missing_password_message(self._password_env))
            raise ObsAuthError(wrong_password_message(self._password_env))
        if ws.recv_task.done():
            raise ObsConnectionError(
                f"OBS at {self._url} closed the connection while identifying (code {code}: "
                f"{reason or 'no reason'})"
            )
        if hello is None:
            raise ObsTimeoutError(
                f"{self._url} accepted the connection but sent no obs-websocket Hello within "
                f"{self.connect_timeout:g} s (is OBS frozen, or is this not obs-websocket?)"
            )
        raise ObsTimeoutError(
            f"OBS at {self._url} did not confirm identification within {self.connect_timeout:g} s"
        )

    def _tune_socket(self, ws: Any) -> None:
        """TCP_NODELAY, and TCP_QUICKACK re-armed after each receive (see module docstring)."""
        conn = ws.ws
        sock = conn.transport.get_extra_info("socket") if conn is not None else None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        quickack = getattr(socket, "TCP_QUICKACK", None)  # Linux only
        if quickack is None or not self._quickack:
            return
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            return
        received = conn.data_received

        def data_received(data: bytes) -> None:
            received(data)
            # Linux leaves quick-ACK mode by itself; re-arming also flushes a pending ACK now.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)

        # The transport calls protocol.data_received through the instance: wrap it there.
        setattr(conn, "data_received", data_received)  # noqa: B010

    async def _watch_connection(self, ws: Any) -> None:
        """Report Disconnected the moment simpleobsws's receive task ends."""
        await asyncio.wait({ws.recv_task})
        if ws is not self._ws:
            return
        self._ws = None
        code, reason = _close_info(ws)
        if not ws.recv_task.cancelled() and ws.recv_task.exception() is not None:
            exc = ws.recv_task.exception()
            reason = f"receive task failed ({type(exc).__name__})"
        # Report first: closing a half-dead socket can take a while.
        self._emit(Disconnected(code=code, reason=reason or "connection closed"))
        await _discard(ws)

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
        if ws is not None:
            await _discard(ws)
            self._emit(Disconnected(code=1000, reason="closed by timekeeper", by_client=True))

    def abort(self) -> None:
        """Drop the TCP connection abruptly, as a network failure would (tests, 'reconnect now')."""
        ws = self._ws
        if ws is not None and ws.ws is not None:
            ws.ws.transport.abort()

    # ------------------------------------------------------------------ events

    def _emit(self, event: PortEvent) -> None:
        for handler in list(self._handlers):
            try:
                handler(event)
            except Exception:
                log.exception("OBS event handler failed on %s", type(event).__name__)

    def _make_event_callback(self, ws: Any) -> Callable[[str, Any, Any], Any]:
        async def on_event(event_type: str, intent: Any, data: Any) -> None:
            if ws is not self._ws:
                return
            event = port_event(event_type, data if isinstance(data, dict) else {})
            if event is not None:
                self._emit(event)

        return on_event

    # ------------------------------------------------------------------ requests

    def _require(self) -> Any:
        ws = self._ws
        if ws is None or not ws.identified or ws.recv_task.done():
            raise ObsConnectionError(f"not connected to OBS at {self._url}")
        return ws

    async def _await_call(
        self, ws: Any, what: str, call: Callable[[], Coroutine[Any, Any, Any]]
    ) -> Any:
        """Run a simpleobsws call in this very task, bounded by the request timeout, and give
        up at once if the connection dies.

        In this task, not a task of its own: the request is written to the socket in the
        loop step that asks for it (a task would start one loop step later, and on a loaded
        machine a boundary's armed switch left 7-23 ms after its instant: bench_obs_frames).
        The receive task's end cancels this task; that cancel is told apart from any other
        by `lost`, and taken back (`uncancel`) so it never leaks to the caller.
        """
        recv = ws.recv_task  # simpleobsws sets it to None once the connection is closed
        if recv is None or recv.done():
            raise ObsConnectionError(f"connection to OBS lost before {what}")
        task = asyncio.current_task()
        assert task is not None
        lost = taken = False
        waiting = True

        def on_lost(_: object) -> None:  # may run after the call ended (it was scheduled)
            nonlocal lost
            if waiting:
                lost = True
                task.cancel()

        recv.add_done_callback(on_lost)
        try:
            async with asyncio.timeout(self.request_timeout):
                return await call()
        except asyncio.CancelledError:
            if lost:
                taken = True
                if task.uncancel() == 0:  # only the lost connection cancelled it
                    raise ObsConnectionError(f"connection to OBS lost during {what}") from None
            raise
        except TimeoutError:
            raise ObsTimeoutError(
                f"OBS did not answer {what} within {self.request_timeout:g} s"
            ) from None
        except simpleobsws.NotIdentifiedError as exc:
            raise ObsConnectionError(f"not connected to OBS at {self._url}") from exc
        except simpleobsws.MessageTimeout as exc:
            raise ObsTimeoutError(f"OBS did not answer {what} in time") from exc
        except websockets.exceptions.ConnectionClosed as exc:
            raise ObsConnectionError(f"connection to OBS lost during {what}") from exc
        finally:
            waiting = False
            recv.remove_done_callback(on_lost)
            if lost and not taken and task.cancelling():
                task.uncancel()  # the cancel was swallowed on its way (wait_for, Python 3.11)

    async def _call(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        ws = self._require()
        request = simpleobsws.Request(request_type, data)
        response = await self._await_call(
            ws, request_type, lambda: ws.call(request, timeout=self.request_timeout + 1)
        )
        check(request_type, response)
        body = response.responseData
        return body if isinstance(body, dict) else {}

    async def _batch(
        self, requests: Sequence[tuple[str, dict[str, Any] | None]], *, halt: bool
    ) -> list[Any]:
        """A serial (in-order, realtime) batch in one message; returns the raw responses."""
        ws = self._require()

        def call() -> Coroutine[Any, Any, Any]:
            return ws.call_batch(  # type: ignore[no-any-return]
                [simpleobsws.Request(t, d) for t, d in requests],
                timeout=self.request_timeout + 1,
                halt_on_failure=halt,
                execution_type=simpleobsws.RequestBatchExecutionType.SerialRealtime,
            )

        what = "+".join(t for t, _ in requests)
        return list(await self._await_call(ws, what, call))


# ---------------------------------------------------------------------- helpers


async def _discard(ws: Any) -> None:
    """Close a simpleobsws client, whatever state it is in; never raises."""
    try:
        if ws.recv_task is not None and ws.recv_task.done() and not ws.recv_task.cancelled():
            ws.recv_task.exception()  # mark retrieved: no "exception never retrieved" warning
        await asyncio.wait_for(ws.disconnect(), 2.0)
    except Exception:
        log.debug("closing the OBS websocket failed", exc_info=True)


def _close_info(ws: Any) -> tuple[int | None, str]:
    conn = ws.ws
    if conn is None:
        return None, ""
    return conn.close_code, str(conn.close_reason or "")


__all__ = [
    "DEFAULT_URL",
    "EVENT_SUBSCRIPTIONS",
    "ObsClient",
    "missing_password_message",
    "refused_message",
    "wrong_password_message",
]
