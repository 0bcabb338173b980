"""A TCP relay in front of mosquitto that a test controls: it cuts one client's path to the broker.

A test tool, not product. `BrokerProxy` listens on its own free port and relays every
connection to the broker's; give its `url` to the one process whose path should be
cut (the primary of a standby pair), the broker's own to everyone else. `cut()` makes
a partition, `restore()` ends it:

- `mode="drop"` (the default) closes every relayed connection at once, both sides,
  and refuses new ones until `restore()`: the client sees its connection go and
  reconnects in vain; the broker sees the client go and publishes its last will.
- `mode="blackhole"` keeps the connections open but forwards nothing (a cable pulled
  between two switches): the relay stops reading, so bytes wait in the kernel's
  buffers as TCP's would wait for retransmission, and flow on at `restore()` if
  neither side gave up meanwhile (its keepalive); new connections are held unanswered
  until then.

The relay runs an asyncio loop on a thread of its own, so a synchronous harness and an
asyncio test can both use it. `cut()` returns once the partition holds (the relayed
connections are closed or muted). Nothing here signals any process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

MODES = ("drop", "blackhole")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(eq=False)  # hashed by identity: kept in a set
class _Pair:
    """One relayed connection: the client's side and the broker's."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            with contextlib.suppress(Exception):
                writer.transport.abort()


class BrokerProxy:
    """Relays 127.0.0.1:`port` to the broker at 127.0.0.1:`target`; `cut()` / `restore()`."""

    def __init__(self, target: int, port: int | None = None) -> None:
        self.target = target
        self.port = port or free_port()
        self.mode: str | None = None  # None while connected, else the partition's mode
        self.accepted = 0  # connections accepted so far (a client's reconnect attempts show here)
        self._pairs: set[_Pair] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._flowing: asyncio.Event | None = None  # cleared while blackholed

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        """Relayed connections open now."""
        return len(self._pairs)

    # ------------------------------------------------------------------ the test's side

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="broker-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._server is None:
            raise RuntimeError(f"the broker proxy did not listen on {self.port}")

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        self._thread.join(10)
        self._loop = None

    def cut(self, mode: str = "drop") -> None:
        """Partition the relayed clients from the broker until `restore()`."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self._call(self._cut(mode))

    def restore(self) -> None:
        """Relay again: new connections reach the broker (dropped ones must reconnect)."""
        self._call(self._restore())

    def __enter__(self) -> BrokerProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro: object) -> None:
        if self._loop is None:
            raise RuntimeError("the broker proxy is not running")
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ the relay's loop

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self._stopped = asyncio.Event()
        self._ready.set()
        await self._stopped.wait()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for pair in list(self._pairs):
            pair.close()
        self._pairs.clear()
        self._stopped.set()

    async def _cut(self, mode: str) -> None:
        self.mode = mode
        assert self._flowing is not None
        self._flowing.clear()
        if mode == "drop":
            for pair in list(self._pairs):
                pair.close()
            self._pairs.clear()

    async def _restore(self) -> None:
        self.mode = None
        assert self._flowing is not None
        self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        assert self._flowing is not None
        while self.mode is not None:
            if self.mode == "drop":  # refused at once
                writer.transport.abort()
                return
            await self._flowing.wait()  # blackholed: held unanswered until restored
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = _Pair(writer, up_writer)
        self._pairs.add(pair)
        pair.tasks = [
            asyncio.create_task(self._pipe(reader, up_writer, pair)),
            asyncio.create_task(self._pipe(up_reader, writer, pair)),
        ]

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, pair: _Pair
    ) -> None:
        """Copy `source` to `sink`, not reading while blackholed; closes both at EOF."""
        assert self._flowing is not None
        try:
            while True:
                await self._flowing.wait()
                data = await source.read(65536)
                if not data:
                    break
                await self._flowing.wait()  # read just before a cut: held, not lost
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            pair.close()
            self._pairs.discard(pair)


@contextlib.contextmanager
def proxied(target: int) -> Iterator[BrokerProxy]:
    """A started proxy in front of the broker on `target`, stopped on exit."""
    proxy = BrokerProxy(target)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
