"""Following OBS's scene list live: renames, removals, and the programme's scenes gone missing.

Owns the `scenes` and `missing_scenes` fields of the status and the
`SceneMissing` / `SceneBack` events. OBS's scene list is read on each connect
(by `connection`) and then kept up to date from OBS's own events
(`SceneCreated`, `SceneRemoved`, `SceneNameChanged`, `SceneListChanged`); a
rename of the program or preview scene renames it in the status too. Whenever
the list changes, every scene the programme names (`uses`: scene -> the slots
naming it) is checked; one that is gone is reported once, with what it was
renamed to or else the closest existing name, until it exists again. Scenes
already missing at the first connect are left to the preflight check to report
(they are in `missing_scenes` all the same). A revised programme's scenes are
learnt (`learn`) and watched from then on the same way; what its scenes lack in
OBS at that moment is for the preflight, run again on a revision, to report. It
must not switch scenes: what a missing scene means for a slot is for the
dashboard to show.

Sans-I/O like the switching machine: each input takes a `Moment` and returns a
`Step` (the new status, `Emit` commands); the controller applies it
(`ObsContext.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import Moment, Step
from timekeeper.obs.names import closest
from timekeeper.obs.port import SceneCreated, SceneListChanged, SceneRemoved, SceneRenamed
from timekeeper.obs.status import MissingScene
from timekeeper.obs.step_builder import StepBuilder

SceneEvent = SceneCreated | SceneRemoved | SceneRenamed | SceneListChanged


class SceneWatch(StepBuilder):
    """Keeps `status.scenes` live and reports the programme's scenes that go missing."""

    def __init__(self, uses: Mapping[str, Sequence[str]]) -> None:
        super().__init__()
        self._uses = {scene: tuple(slots) for scene, slots in uses.items()}
        self._reported: set[str] | None = None  # None: no list seen yet (the baseline)
        self._renamed: dict[str, str] = {}  # a programme scene -> what OBS calls it now
        self._removed: set[str] = set()

    def learn(self, m: Moment, uses: Mapping[str, Sequence[str]]) -> Step:
        """The programme was revised: watch the scenes it names (scene -> its slots) from now.

        `missing_scenes` follows at once; a scene of the new plan missing now is not
        announced here (the preflight says it, as at the first connect), one gone later is.
        """
        self._begin(m)
        self._uses = {scene: tuple(slots) for scene, slots in uses.items()}
        self._renamed = {old: new for old, new in self._renamed.items() if old in self._uses}
        self._reported = None  # a new baseline, as at the first list
        self._check()
        return self._end()

    def connected(self, m: Moment) -> Step:
        """OBS's list was just read afresh (a connect): check it."""
        self._begin(m)
        self._check()
        return self._end()

    def on_event(self, m: Moment, event: SceneEvent) -> Step:
        self._begin(m)
        scenes = list(self._status.scenes or ())
        match event:
            case SceneCreated(scene=scene):
                if scene not in scenes:
                    scenes.append(scene)
            case SceneRemoved(scene=scene):
                scenes = [s for s in scenes if s != scene]
                self._removed.add(scene)
                self._forget(scene)
            case SceneRenamed(old=old, new=new):
                scenes = [new if s == old else s for s in scenes]
                self._follow_rename(old, new)
                status = self._status
                if status.program_scene == old:
                    self._put(replace(self._status, program_scene=new))
                if status.preview_scene == old:
                    self._put(replace(self._status, preview_scene=new))
            case SceneListChanged(scenes=listed):
                scenes = list(listed)
        self._put(replace(self._status, scenes=tuple(scenes)))
        self._check()
        return self._end()

    def _follow_rename(self, old: str, new: str) -> None:
        for scene, now in list(self._renamed.items()):
            if now == old:
                self._renamed[scene] = new
        if old in self._uses:
            self._renamed[old] = new
        self._removed.discard(new)

    def _forget(self, gone: str) -> None:
        """A scene renamed from a programme name was then removed: it was not renamed."""
        for scene, now in list(self._renamed.items()):
            if now == gone:
                del self._renamed[scene]
                self._removed.add(scene)

    def _check(self) -> None:
        scenes = self._status.scenes
        if scenes is None:
            return
        missing = []
        for scene, slots in self._uses.items():
            if scene in scenes:
                continue
            renamed = self._renamed.get(scene)
            suggestion = renamed if renamed in scenes else closest(scene, scenes)
            missing.append(MissingScene(scene, suggestion, slots))
        self._put(replace(self._status, missing_scenes=tuple(missing)))
        names = {m.scene for m in missing}
        reported, self._reported = self._reported, names
        if reported is None:
            return  # the first list: the preflight check reports what was missing from the start
        for m in missing:
            if m.scene not in reported:
                cause = (
                    "renamed"
                    if self._renamed.get(m.scene) == m.suggestion and m.suggestion
                    else "removed"
                    if m.scene in self._removed
                    else "gone"
                )
                self._emit(
                    ev.SceneMissing(
                        at=self._now,
                        scene=m.scene,
                        slots=m.slots,
                        suggestion=m.suggestion,
                        cause=cause,
                    )
                )
        for scene in sorted(reported - names):
            self._renamed.pop(scene, None)
            self._removed.discard(scene)
            self._emit(ev.SceneBack(at=self._now, scene=scene))
