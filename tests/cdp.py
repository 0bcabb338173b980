"""A headless Chromium driven over the DevTools protocol: load a page, evaluate, screenshot.

For what `--dump-dom` cannot show: a page watched over real time (a server cut
mid-countdown), the layout's boxes (the foyer board, the speaker screen), emulated
media (reduced motion) and pixels. Chromium picks a free debugging port
(`--remote-debugging-port=0`) and prints it; only the process started here is ever
signalled. `browser()` + `open_page()` keep a browser for several pages; `measure()`
is one page, one expression, one optional screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Page:
    """One tab: `evaluate(js)` returns the value; `screenshot()` the PNG bytes."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: str) -> None:
        self._ws = ws
        self._session = session
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[str, asyncio.Event] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self._ws:
            data = json.loads(msg.data)
            if "method" in data:
                self._events.setdefault(data["method"], asyncio.Event()).set()
                continue
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def event(self, method: str, timeout: float = 60) -> None:
        """Wait until the page has sent `method` (e.g. `Page.loadEventFired`) at least once."""
        await asyncio.wait_for(self._events.setdefault(method, asyncio.Event()).wait(), timeout)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        message = {"id": ident, "method": method, "params": params, "sessionId": self._session}
        await self._ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, timeout=30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        """The expression's value (a promise is awaited), as JSON."""
        reply = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def screenshot(self) -> bytes:
        reply = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(reply["data"])


@dataclass(frozen=True)
class Browser:
    """A running Chromium: its DevTools endpoint and an HTTP session to reach it."""

    http: aiohttp.ClientSession
    endpoint: str


@contextlib.asynccontextmanager
async def browser(tmp: Path) -> AsyncIterator[Browser]:
    """A headless Chromium with a private profile, stopped (by its PID) at the end."""
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--remote-debugging-port=0",
        f"--user-data-dir={tmp / 'cdp-profile'}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    drain: asyncio.Task[bytes] | None = None
    try:
        assert proc.stderr is not None
        endpoint = ""
        while not endpoint:
            line = (await asyncio.wait_for(proc.stderr.readline(), timeout=60)).decode()
            assert line, "Chromium exited before it listened"
            if found := re.search(r"DevTools listening on (ws://\S+)", line):
                endpoint = found.group(1)
        drain = asyncio.create_task(proc.stderr.read())  # a full pipe would stall Chromium
        async with aiohttp.ClientSession() as http:
            yield Browser(http, endpoint)
    finally:
        if drain is not None:
            drain.cancel()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


@contextlib.asynccontextmanager
async def open_page(
    chromium: Browser, url: str, size: tuple[int, int], *, reduced_motion: bool = False
) -> AsyncIterator[Page]:
    """A new tab of `chromium` at `size`, navigated to `url`."""
    async with chromium.http.ws_connect(chromium.endpoint, max_msg_size=0) as ws:
        target = await _call(ws, "Target.createTarget", url="about:blank")
        attached = await _call(
            ws, "Target.attachToTarget", targetId=target["targetId"], flatten=True
        )
        page = Page(ws, attached["sessionId"])
        width, height = size
        await page.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        if reduced_motion:
            await page.send(
                "Emulation.setEmulatedMedia",
                features=[{"name": "prefers-reduced-motion", "value": "reduce"}],
            )
        await page.send("Page.enable")
        await page.send("Page.navigate", url=url)
        try:
            yield page
        finally:
            page._reader.cancel()


async def _call(ws: aiohttp.ClientWebSocketResponse, method: str, **params: Any) -> dict[str, Any]:
    await ws.send_str(json.dumps({"id": 0, "method": method, "params": params}))
    async for msg in ws:
        data = json.loads(msg.data)
        if data.get("id") == 0:
            result: dict[str, Any] = data["result"]
            return result
    raise AssertionError(f"{method}: the browser closed")


async def measure(
    url: str, size: tuple[int, int], tmp: Path, expression: str, screenshot: Path | None = None
) -> Any:
    """Load `url` at `size` in a fresh Chromium, evaluate `expression` once the page has
    loaded (a promise is awaited) and, with `screenshot`, write a PNG there."""
    async with browser(tmp) as chromium, open_page(chromium, url, size) as page:
        await page.event("Page.loadEventFired")
        value = await page.evaluate(expression)
        if screenshot is not None:
            screenshot.write_bytes(await page.screenshot())
        return value


async def wait_for(page: Page, expression: str, timeout: float, what: str = "") -> Any:
    """Evaluate until truthy (real time, bounded): waits on the page, never on a guess."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await page.evaluate(expression)
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or expression}")
        await asyncio.sleep(0.05)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, kind = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if tag == b"IHDR":
            width, height, depth, kind, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and kind in (2, 6) and interlace == 0
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    channels = 3 if kind == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_ = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind_ == 1:
                line[i] = (line[i] + a) & 255
            elif kind_ == 2:
                line[i] = (line[i] + b) & 255
            elif kind_ == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind_ == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        prev = line
        if channels == 4:
            line = bytearray(v for i, v in enumerate(line) if i % 4 != 3)
        rows.append(bytes(line))
    return width, height, rows
