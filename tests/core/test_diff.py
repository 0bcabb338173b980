"""The difference between two programme versions: matching, per-slot changes, forecast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tests.factories import PANELLISTS, at, mins, programme, slot
from timekeeper.core.diff import Change, TurnEdit, diff, match, planned_diff, turn_changes
from timekeeper.core.programme import Advance, Speaker, Turn
from timekeeper.programme.difftext import render_diff


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


def _seed_panel(turns: Sequence[tuple[str, float]]) -> list[dict[str, object]]:
    return [
        slot("keynote", "15:35", 35),
        slot("panel", "16:10", 60, turns=turns),
        slot("qa", "17:10", 20),
    ]


SEED_TURNS: list[tuple[str, float]] = [("Michele Molè", 3.0)] + [(p, 6.0) for p in PANELLISTS]


def test_a_removed_turn_is_one_change_named_by_its_speaker() -> None:
    without = [t for t in SEED_TURNS if t[0] != "Seonok Lee"]
    old, new = programme(_seed_panel(SEED_TURNS)), programme(_seed_panel(without))
    rows = turn_changes(old.slots[1].turns, new.slots[1].turns)
    assert [(r.old.speaker if r.old else None, r.edits) for r in rows] == [
        ("Seonok Lee", (TurnEdit.REMOVED,))
    ]
    lines = render_diff(planned_diff(old, new), old, new)
    assert lines[0] == "~ 'Panel': Seonok Lee's turn removed"


def test_a_shortened_turn_reads_speaker_old_and_new_length() -> None:
    shorter = [(name, 5 if name == "Wike Been" else m) for name, m in SEED_TURNS]
    old, new = programme(_seed_panel(SEED_TURNS)), programme(_seed_panel(shorter))
    assert render_diff(planned_diff(old, new), old, new)[0] == "~ 'Panel': Wike Been 6:00 → 5:00"


def test_turns_added_moved_and_given_to_another_speaker() -> None:
    turns = list(SEED_TURNS)
    turns[3] = ("Ada Lovelace", 6)  # Seonok Lee's place, another speaker
    turns[1], turns[2] = turns[2], turns[1]  # Tatiana before Beryl
    turns.append(("Grace Hopper", 4))
    old, new = programme(_seed_panel(SEED_TURNS)), programme(_seed_panel(turns))
    line = render_diff(planned_diff(old, new), old, new)[0]
    assert "turn 4: Ada Lovelace (was Seonok Lee)" in line
    assert "moved to turn" in line and line.count("moved to turn") == 1
    assert "Grace Hopper's turn added (4:00, turn 8)" in line
    assert "Wike Been" not in line and "Femke Cnossen" not in line  # unchanged, not renumbered
