"""Studio-mode preview: turn studio mode on, put the next scene on preview, follow OBS's preview.

Owns whether timekeeper wants studio mode (`studio_mode=True` in the
programme), turning it on after a connect, sending `preview_scene()`, the
`studio_mode`/`preview_scene` status fields as OBS reports them, and the rule
for whether a switch may transition from preview (`from_preview`). It must not
switch the program scene, nor touch the connection, actions or texts.

The rules are sans-I/O (`preview_rules.PreviewBook`: a `Moment` in, a `Step`
with the status, events and `SetStudioMode` / `SetPreview` commands out);
`StudioPreview` is the shell that sends those through the port and feeds the
outcome back.
"""

from __future__ import annotations

from timekeeper.errors import ObsError
from timekeeper.obs.context import ObsContext
from timekeeper.obs.machine_messages import SetPreview, SetStudioMode
from timekeeper.obs.preview_rules import PreviewBook

__all__ = ["PreviewBook", "StudioPreview"]


class StudioPreview:
    """The shell: carries `PreviewBook`'s commands out through the port."""

    def __init__(self, ctx: ObsContext, *, studio_mode: bool) -> None:
        self._ctx = ctx
        self.book = PreviewBook(studio_mode=studio_mode)

    async def on_connected(self, studio: bool | None) -> None:
        """After a connect (awaited by the connection before its heartbeat starts)."""
        ctx = self._ctx
        for command in ctx.apply(self.book.connected(ctx.moment(), studio)):
            if isinstance(command, SetStudioMode) and ctx.port is not None:
                try:
                    await ctx.port.set_studio_mode(True)
                except ObsError as exc:
                    ctx.apply(self.book.studio_mode_set(ctx.moment(), str(exc)))
                else:
                    ctx.apply(self.book.studio_mode_set(ctx.moment(), None))

    def preview_scene(self, scene: str) -> None:
        for command in self._ctx.apply(self.book.preview(self._ctx.moment(), scene)):
            if isinstance(command, SetPreview):
                self._ctx.spawn(self._preview(command.scene))  # resumes in _preview

    async def _preview(self, scene: str) -> None:
        ctx = self._ctx
        assert ctx.port is not None
        try:
            await ctx.port.set_current_preview_scene(scene)
        except ObsError as exc:
            ctx.apply(self.book.preview_set(ctx.moment(), scene, str(exc)))
        else:
            ctx.apply(self.book.preview_set(ctx.moment(), scene, None))

    def on_preview_changed(self, scene: str) -> None:
        self._ctx.apply(self.book.preview_changed(self._ctx.moment(), scene))

    def on_studio_mode_changed(self, enabled: bool) -> None:
        self._ctx.apply(self.book.studio_mode_changed(self._ctx.moment(), enabled))

    def from_preview(self, scene: str) -> bool:
        return self.book.from_preview(self._ctx.status, scene)
