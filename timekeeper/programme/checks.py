"""Checks across fields and slots: thresholds, turns, ids, and the warnings.

Errors here make the programme unusable (a danger threshold above the warning
one, turns that do not fit in their slot, two slots with one id); warnings are
things a stage manager would want pointed out before the show (a slot that
leaves OBS on the previous scene, turns with no slack before a hard slot, a
stream or recording started and never stopped, or stopped before it starts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from timekeeper.programme.diagnostics import Report
from timekeeper.programme.durations import format_duration
from timekeeper.programme.ids import derive_ids
from timekeeper.programme.locations import Locations, Path
from timekeeper.programme.model import DefaultsModel, SlotModel, TurnModel
from timekeeper.programme.timeline import Placed, label
from timekeeper.programme.validate import Parts


class Checker:
    """Runs every check of one programme into its report."""

    def __init__(self, parts: Parts, locations: Locations, report: Report) -> None:
        self.parts, self.locations, self.report = parts, locations, report
        self.defaults = parts.defaults or DefaultsModel()

    def run(self, placed: Sequence[Placed | None]) -> None:
        if self.parts.defaults is not None:
            self._check_defaults(self.parts.defaults)
        self._check_ids()
        for index, model in enumerate(self.parts.slots):
            if model is not None:
                self._check_slot(index, model)
        for index, spot in enumerate(placed):
            if spot is not None:
                self._check_placed(spot, placed[index + 1] if index + 1 < len(placed) else None)
        self._check_outputs()
        self._check_late()

    def _check_late(self) -> None:
        """Every slot the running-late order names exists (docs/running-late.md)."""
        late = self.parts.late
        models = [model for model in self.parts.slots if model is not None]
        if late is None or not late.order or len(models) < len(self.parts.slots):
            return
        ids = derive_ids([model.id for model in models], [model.title for model in models])
        for number, sid in enumerate(late.order):
            if sid not in ids:
                self.report.error(
                    self.locations.value(("late", "order", number)),
                    f"late.order names '{sid}', which is not a slot id "
                    f"(the slots are {', '.join(ids)})",
                )

    def _give_way(self, path: Path, value: object, length: timedelta, what: str) -> None:
        """A minimum no shorter than what it bounds would never let it give way: say so."""
        if isinstance(value, timedelta) and value >= length:
            self.report.error(
                self.locations.value((*path, "give_way")),
                f"give_way {format_duration(value)} is not shorter than {what} "
                f"({format_duration(length)}): write 'give_way: fixed' if it must not shrink",
            )

    def _check_outputs(self) -> None:
        """Follow each output through the slots' on_start/on_end, in show order."""
        started: dict[str, tuple[Path, str]] = {}  # output -> (where, by which slot)
        stopped: dict[str, str] = {}  # output -> the slot that stopped it
        for index, model in enumerate(self.parts.slots):
            if model is None:
                continue
            for hook in ("on_start", "on_end"):
                for number, action in enumerate(getattr(model, hook)):
                    verb, output = action.split("_", 1)
                    what = _OUTPUT_WORDS[output]
                    where: Path = ("slots", index, hook, number)
                    if verb == "start":
                        started[output] = (where, label(model))
                        stopped.pop(output, None)
                    elif output in started:
                        del started[output]
                        stopped[output] = label(model)
                    else:
                        before = (
                            f"{stopped[output]} already stopped it"
                            if output in stopped
                            else "no slot before it starts it"
                        )
                        self.report.warning(
                            self.locations.value(where),
                            f"{label(model)} stops the {what} before it is started ({before}): "
                            f"add start_{output} to an earlier slot, or remove this",
                        )
        for output, (where, by) in started.items():
            self.report.warning(
                self.locations.value(where),
                f"{by} starts the {_OUTPUT_WORDS[output]} and no later slot stops it: add "
                f"stop_{output} to the last slot's on_end (or stop it by hand in OBS)",
            )

    def _thresholds(
        self, path: Path, warning: timedelta, danger: timedelta, names: tuple[str, str], where: str
    ) -> None:
        """danger < warning, reported at whichever of the two the user wrote here."""
        if danger < warning:
            return
        key = names[1] if self.locations.has((*path, names[1])) else names[0]
        self.report.error(
            self.locations.key((*path, key)),
            f"{names[1]} ({format_duration(danger)}) must be shorter than {names[0]} "
            f"({format_duration(warning)}) {where}: the countdown turns to warning first",
        )

    def _check_defaults(self, defaults: DefaultsModel) -> None:
        path = ("defaults",)
        self._thresholds(
            path, defaults.warning, defaults.danger, ("warning", "danger"), "in defaults"
        )
        self._thresholds(
            path, defaults.turn_warning, defaults.turn_danger,
            ("turn_warning", "turn_danger"), "in defaults",
        )  # fmt: skip

    def _check_ids(self) -> None:
        first: dict[str, int] = {}
        for index, model in enumerate(self.parts.slots):
            if model is None or model.id is None:
                continue
            if model.id in first:
                line = (self.locations.value(("slots", first[model.id], "id")) or (0, 0))[0] + 1
                self.report.error(
                    self.locations.value(("slots", index, "id")),
                    f"duplicate slot id '{model.id}' (already used by the slot at line {line}); "
                    "ids must be unique",
                )
            else:
                first[model.id] = index

    def _check_slot(self, index: int, model: SlotModel) -> None:
        path, where = ("slots", index), f"in {label(model)}"
        if model.warning is not None or model.danger is not None:
            warning = model.warning if model.warning is not None else self.defaults.warning
            danger = model.danger if model.danger is not None else self.defaults.danger
            self._thresholds(path, warning, danger, ("warning", "danger"), where)
        turn_warning = _pick(model.turn_warning, self.defaults.turn_warning)
        turn_danger = _pick(model.turn_danger, self.defaults.turn_danger)
        if model.turn_warning is not None or model.turn_danger is not None:
            names = ("turn_warning", "turn_danger")
            self._thresholds(path, turn_warning, turn_danger, names, where)
        for number, turn in enumerate(model.turns):
            if turn.warning is not None or turn.danger is not None:
                self._thresholds(
                    (*path, "turns", number), _pick(turn.warning, turn_warning),
                    _pick(turn.danger, turn_danger), ("warning", "danger"),
                    f"in turn {number + 1} of {label(model)}",
                )  # fmt: skip
        self._check_turn_speakers(index, model)
        if self.parts.obs_present and not model.scene:
            self.report.warning(
                self.locations.value(path),
                f"{label(model)} names no scene: OBS stays on the previous one (add scene: ...)",
            )

    def _check_turn_speakers(self, index: int, model: SlotModel) -> None:
        names = {speaker.name for speaker in model.speakers}
        if not names:
            return
        for number, turn in enumerate(model.turns):
            if turn.speaker.name not in names:
                self.report.warning(
                    self.locations.value(("slots", index, "turns", number, "speaker")),
                    f"turn {number + 1} of {label(model)}: '{turn.speaker.name}' "
                    "is not among the slot's speakers (a typo?)",
                )

    def _check_placed(self, spot: Placed, after: Placed | None) -> None:
        model, path = spot.model, ("slots", spot.index)
        total = _turns_total(model.turns)
        if total > spot.duration:
            self.report.error(
                self.locations.key((*path, "turns")),
                f"the turns of {spot.label} add up to {format_duration(total)}, "
                f"{format_duration(total - spot.duration)} more than the slot "
                f"({format_duration(spot.duration)})",
            )
        elif model.turns and total == spot.duration and after is not None and after.model.hard:
            self.report.warning(
                self.locations.key((*path, "turns")),
                f"the turns of {spot.label} fill all of it and {after.label} is hard: "
                "any overrun cuts the last turn short",
            )
        self._give_way(path, model.give_way, spot.duration, spot.label)
        for number, turn in enumerate(model.turns):
            where = f"turn {number + 1} of {spot.label}"
            self._give_way((*path, "turns", number), turn.give_way, turn.duration, where)
        warning = _pick(model.warning, self.defaults.warning)
        if warning >= spot.duration and warning > timedelta():
            self.report.warning(
                self.locations.value(path),
                f"the warning threshold ({format_duration(warning)}) is not shorter than "
                f"{spot.label} ({format_duration(spot.duration)}): its countdown starts in warning",
            )


_OUTPUT_WORDS = {"streaming": "stream", "recording": "recording"}


def _pick(value: timedelta | None, fallback: timedelta) -> timedelta:
    return fallback if value is None else value


def _turns_total(turns: Sequence[TurnModel]) -> timedelta:
    return sum((turn.duration for turn in turns), timedelta())
