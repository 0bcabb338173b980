"""Headless Chromium driven over the DevTools protocol: load a page at a size, measure, shoot.

`measure(url, size, tmp, expression)` starts Debian's `chromium` with a remote debugging
port of its own choosing, sets the viewport exactly, loads `url`, evaluates `expression`
in the page (awaiting a promise, returning the value as JSON) and, with `screenshot`, writes
a PNG. Only the process started here is ever signalled. Used by the foyer board's layout
tests, which check element boxes rather than only that a picture was taken.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import aiohttp

from tests.speaker.test_browser import CHROMIUM

LISTENING = re.compile(rb"DevTools listening on (ws://\S+)")


class Cdp:
    """One page target's websocket: calls answered by id, events kept for `event`."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads((await self.ws.receive(timeout=60)).data)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    async def event(self, method: str) -> dict[str, Any]:
        while True:
            for message in self.events:
                if message.get("method") == method:
                    self.events.remove(message)
                    return message
            self.events.append(json.loads((await self.ws.receive(timeout=60)).data))


async def measure(
    url: str,
    size: tuple[int, int],
    tmp: Path,
    expression: str,
    screenshot: Path | None = None,
) -> Any:
    width, height = size
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={tmp / f'cdp-{width}'}",
        f"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    drain: asyncio.Task[bytes] | None = None
    try:
        endpoint = await asyncio.wait_for(_endpoint(proc), 60)
        assert proc.stderr is not None
        drain = asyncio.create_task(proc.stderr.read())  # a full pipe would stall Chromium
        port = endpoint.split(":")[2].split("/")[0]
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                cdp = Cdp(ws)
                await cdp.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width, height=height, deviceScaleFactor=1, mobile=False,
                )  # fmt: skip
                await cdp.call("Page.enable")
                await cdp.call("Page.navigate", url=url)
                await cdp.event("Page.loadEventFired")
                result = await cdp.call(
                    "Runtime.evaluate", expression=expression, awaitPromise=True,
                    returnByValue=True,
                )  # fmt: skip
                if "exceptionDetails" in result:
                    raise RuntimeError(f"in the page: {result['exceptionDetails']}")
                if screenshot is not None:
                    shot = await cdp.call("Page.captureScreenshot", format="png")
                    screenshot.write_bytes(base64.b64decode(shot["data"]))
                return result["result"].get("value")
    finally:
        if drain is not None:
            drain.cancel()
        if proc.returncode is None:
            proc.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 10)


async def _endpoint(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    while line := await proc.stderr.readline():
        if found := LISTENING.search(line):
            return found.group(1).decode()
    raise RuntimeError("chromium exited before it listened for DevTools")
