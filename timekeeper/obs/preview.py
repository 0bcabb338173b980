"""Studio-mode preview: turn studio mode on, put the next scene on preview, follow OBS's preview.

Owns whether timekeeper wants studio mode (`studio_mode=True` in the
programme), turning it on after a connect, sending `preview_scene()`, the
`studio_mode`/`preview_scene` status fields as OBS reports them, and the rule
for whether a switch may transition from preview (`from_preview`). It must not
switch the program scene, nor touch the connection, actions or texts.
"""

from __future__ import annotations

from dataclasses import replace

from timekeeper.errors import ObsError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext
from timekeeper.obs.status import ObsMode


class StudioPreview:
    def __init__(self, ctx: ObsContext, *, studio_mode: bool) -> None:
        self._ctx = ctx
        self._studio = studio_mode

    async def on_connected(self, studio: bool | None) -> None:
        """After a connect: turn studio mode on if the programme wants it and OBS has it off."""
        ctx = self._ctx
        if self._studio and studio is False and ctx.status.mode is not ObsMode.DRY_RUN:
            assert ctx.port is not None
            try:
                await ctx.port.set_studio_mode(True)
                ctx.status = replace(ctx.status, studio_mode=True)
            except ObsError as exc:
                ctx.status = replace(ctx.status, last_error=f"could not turn on studio mode: {exc}")

    def preview_scene(self, scene: str) -> None:
        """Put `scene` on preview (see ObsController.preview_scene)."""
        ctx = self._ctx
        if not ctx.status.studio_mode:
            return
        if ctx.status.mode is ObsMode.DRY_RUN:
            ctx.emit(ev.ScenePreviewSet(at=ctx.now(), scene=scene, sent=False))
            return
        ctx.spawn(self._preview(scene))

    async def _preview(self, scene: str) -> None:
        ctx = self._ctx
        assert ctx.port is not None
        try:
            await ctx.port.set_current_preview_scene(scene)
        except ObsError as exc:
            ctx.status = replace(ctx.status, last_error=f"preview {scene}: {exc}")
            return
        ctx.emit(ev.ScenePreviewSet(at=ctx.now(), scene=scene, sent=True))

    def on_preview_changed(self, scene: str) -> None:
        self._ctx.status = replace(self._ctx.status, preview_scene=scene)

    def on_studio_mode_changed(self, enabled: bool) -> None:
        self._ctx.status = replace(self._ctx.status, studio_mode=enabled, preview_scene=None)
        self._ctx.emit(ev.StudioModeChanged(at=self._ctx.now(), enabled=enabled))

    def from_preview(self, scene: str) -> bool:
        """Studio mode, and OBS confirmed `scene` on preview: transition it from there.

        Otherwise (no preview_scene() ahead of the boundary, or someone changed
        the preview) switch program directly, which OBS also does in studio
        mode: setting the preview and triggering at once is unreliable in OBS 29.
        """
        status = self._ctx.status
        return bool(self._studio and status.studio_mode and status.preview_scene == scene)
