"""The studio-mode preview's rules, sans I/O (see `preview`, its shell).

`PreviewBook`: a `Moment` in, a `Step` with the `studio_mode`/`preview_scene`
status fields, the events and `SetStudioMode` / `SetPreview` commands out; and
the rule for whether a switch may transition from preview (`from_preview`).
"""

from __future__ import annotations

from dataclasses import replace

from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Moment, SetPreview, SetStudioMode, Step
from timekeeper.obs.status import ObsStatus
from timekeeper.obs.step_builder import StepBuilder


class PreviewBook(StepBuilder):
    """The preview's rules, without I/O."""

    def __init__(self, *, studio_mode: bool) -> None:
        super().__init__()
        self.studio = studio_mode  # the programme wants studio mode

    def connected(self, m: Moment, studio: bool | None) -> Step:
        """After a connect: turn studio mode on if the programme wants it and OBS has it off."""
        self._begin(m)
        if self.studio and studio is False and m.status.watch_reason is None:
            self._do(SetStudioMode())
        return self._end()

    def studio_mode_set(self, m: Moment, error: str | None) -> Step:
        self._begin(m)
        if error is None:
            self._put(replace(self._status, studio_mode=True))
        else:
            self._put(replace(self._status, last_error=f"could not turn on studio mode: {error}"))
        return self._end()

    def preview(self, m: Moment, scene: str) -> Step:
        """Put `scene` on preview (see ObsController.preview_scene)."""
        self._begin(m)
        if self._status.studio_mode:
            if self._status.watch_reason is not None:  # a dry run, a standby
                self._emit(ev.ScenePreviewSet(at=m.now, scene=scene, sent=False))
            else:
                self._do(SetPreview(scene))
        return self._end()

    def preview_set(self, m: Moment, scene: str, error: str | None) -> Step:
        self._begin(m)
        if error is None:
            self._emit(ev.ScenePreviewSet(at=m.now, scene=scene, sent=True))
        else:
            self._put(replace(self._status, last_error=f"preview {scene}: {error}"))
        return self._end()

    def preview_changed(self, m: Moment, scene: str) -> Step:
        self._begin(m)
        self._put(replace(self._status, preview_scene=scene))
        return self._end()

    def studio_mode_changed(self, m: Moment, enabled: bool) -> Step:
        self._begin(m)
        self._put(replace(self._status, studio_mode=enabled, preview_scene=None))
        self._emit(ev.StudioModeChanged(at=m.now, enabled=enabled))
        return self._end()

    def from_preview(self, status: ObsStatus, scene: str) -> bool:
        """Studio mode, and OBS confirmed `scene` on preview: transition it from there.

        Otherwise (no preview_scene() ahead of the boundary, or someone changed
        the preview) switch program directly, which OBS also does in studio
        mode: setting the preview and triggering at once is unreliable in OBS 29.
        """
        return bool(self.studio and status.studio_mode and status.preview_scene == scene)
