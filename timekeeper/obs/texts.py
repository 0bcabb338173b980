"""Text sources: keep each OBS text source showing its latest wanted text, throttled.

Owns the wanted/sent texts per source and the throttle (at most one send per
source every `interval` real seconds on the event loop; the latest text wins),
and re-sending every text after a reconnect. It must not touch scenes,
outputs or the connection: it only sends `SetInputSettings` through the port.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from timekeeper.errors import ObsError, ObsRequestError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext


@dataclass
class _Texts:
    wanted: dict[str, str] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)  # loop.time() of the last send
    busy: set[str] = field(default_factory=set)  # a send is scheduled or in flight


class TextSources:
    def __init__(self, ctx: ObsContext, *, interval: float) -> None:
        self._ctx = ctx
        self._interval = interval
        self._texts = _Texts()

    def set_text(self, source: str, text: str) -> None:
        """Keep `source` showing `text` (see ObsController.set_text)."""
        self._texts.wanted[source] = text
        self._schedule(source)

    def resync(self) -> None:
        """After a (re)connect: send every wanted text again."""
        for source in list(self._texts.wanted):
            self._texts.sent.pop(source, None)
            self._schedule(source)

    def _schedule(self, source: str) -> None:
        t = self._texts
        if source in t.busy or t.wanted.get(source) == t.sent.get(source):
            return
        if self._ctx.port is None:
            return
        loop = asyncio.get_running_loop()
        wait = max(0.0, t.last.get(source, -1e9) + self._interval - loop.time())
        t.busy.add(source)
        loop.call_later(wait, lambda: self._ctx.spawn(self._flush(source)))

    async def _flush(self, source: str) -> None:
        t = self._texts
        ctx = self._ctx
        port = ctx.port
        try:
            text = t.wanted.get(source)
            if text is None or text == t.sent.get(source) or port is None or not port.connected:
                return
            t.last[source] = asyncio.get_running_loop().time()
            if ctx.status.watch_reason is not None:  # a dry run, a standby
                t.sent[source] = text
                ctx.emit(ev.TextSet(at=ctx.now(), source=source, text=text, sent=False))
                return
            try:
                await port.set_text(source, text)
            except ObsRequestError as exc:
                t.sent[source] = text  # not retried until the text changes (or a reconnect)
                ctx.emit(ev.TextFailed(at=ctx.now(), source=source, error=str(exc)))
                return
            except ObsError as exc:
                ctx.emit(ev.TextFailed(at=ctx.now(), source=source, error=str(exc)))
                return
            t.sent[source] = text
            ctx.emit(ev.TextSet(at=ctx.now(), source=source, text=text, sent=True))
        finally:
            t.busy.discard(source)
            if t.wanted.get(source) != t.sent.get(source) and port is not None and port.connected:
                self._schedule(source)
