"""The difference between two programme versions: matching, per-slot changes, forecast."""

from __future__ import annotations

from dataclasses import replace

from tests.factories import at, mins, programme, slot
from timekeeper.core.diff import Change, diff, match, planned_diff
from timekeeper.core.programme import Advance, Speaker, Turn


def base() -> list[dict[str, object]]:
    return [
        slot("welcome", "10:00", 5, scene="Intro"),
        slot("talk", None, 30, scene="Stage"),
        slot("panel", None, 30, turns=[("Ada", 10), ("Grace", 10)]),
        slot("closing", "11:10", 10),
    ]


def changes(
    old: list[dict[str, object]], new: list[dict[str, object]]
) -> dict[str, tuple[object, ...]]:
    d = diff(programme(old), programme(new))
    return {row.slot.id: row.changes for row in d.changed}


def test_the_same_programme_has_no_difference() -> None:
    d = planned_diff(programme(base()), programme(base()))
    assert d.same and d.changed == ()
    assert d.forecast is not None and d.forecast.shifts == ()


def test_slots_match_by_id_first_then_by_title() -> None:
    old = programme(base())
    renamed = base()
    renamed[1] = {**renamed[1], "title": "Keynote"}  # same id, new title
    new_ids = base()
    new_ids[3] = {**new_ids[3], "id": "goodbye", "title": "Closing"}  # new id, same title "Closing"
    assert match(old, programme(renamed)) == {0: 0, 1: 1, 2: 2, 3: 3}
    assert match(old, programme(new_ids))[3] == 3
    assert changes(base(), renamed) == {"talk": (Change.RETITLED,)}
    assert changes(base(), new_ids) == {}


def test_an_added_and_a_removed_slot() -> None:
    new = base()
    new.insert(2, slot("break", None, 5))
    del new[3]  # the panel
    d = diff(programme(base()), programme(new))
    kinds = [(row.slot.id, row.changes) for row in d.changed]
    assert ("break", (Change.ADDED,)) in kinds
    assert ("panel", (Change.REMOVED,)) in kinds


def test_a_move_names_only_the_slot_that_moved() -> None:
    new = base()
    new[1], new[2] = new[2], new[1]  # panel before talk; starts follow
    got = changes(base(), new)
    moved = [sid for sid, c in got.items() if Change.MOVED in c]
    assert len(moved) == 1  # one slot changed place, not everything after it
    assert all(Change.RETIMED in c for c in got.values())  # both start elsewhere now


def test_each_kind_of_change_is_named() -> None:
    new = base()
    new[0] = {**new[0], "scene": "Opening"}
    new[1] = {**new[1], "hard": True, "speakers": (Speaker("Ada"),)}
    new[2] = {**new[2], "turns": [("Ada", 10), ("Linus", 10)]}
    new[3] = {**new[3], "advance": Advance.MANUAL, "notes": "bring flowers"}
    got = changes(base(), new)
    assert got["welcome"] == (Change.SCENE,)
    assert got["talk"] == (Change.SPEAKERS, Change.HARD)
    assert got["panel"] == (Change.TURNS,)
    assert got["closing"] == (Change.MANUAL, Change.OTHER)


def test_the_forecast_says_which_expected_starts_move_and_the_new_end() -> None:
    new = base()
    new[1] = {**new[1], "minutes": 40}  # talk 10 minutes longer
    d = planned_diff(programme(base()), programme(new))
    assert d.forecast is not None
    moves = {s.slot_id: s.after - s.before for s in d.forecast.shifts}  # type: ignore[operator]
    # panel follows the talk (+10); closing's 5-minute gap absorbs half of it (+5)
    assert moves == {"panel": mins(10), "closing": mins(5)}
    assert (d.forecast.end_before, d.forecast.end_after) == (at("11:20"), at("11:25"))
    longer = base()
    longer[3] = {**longer[3], "minutes": 25}
    d = planned_diff(programme(base()), programme(longer))
    assert d.forecast is not None and d.forecast.end_after == at("11:35")


def test_a_speaker_swapped_in_a_panel_is_a_turn_change() -> None:
    old = programme(base())
    panel = old.slots[2]
    swapped = replace(panel, turns=(panel.turns[0], Turn("Linus", mins(10))))
    new = replace(old, slots=(*old.slots[:2], swapped, old.slots[3]))
    d = diff(old, new)
    assert [(r.slot.id, r.changes) for r in d.changed] == [("panel", (Change.TURNS,))]
