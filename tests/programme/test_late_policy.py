"""The running-late policy in the file: `give_way` per slot and turn, the `late:` section."""

from __future__ import annotations

from datetime import timedelta

from timekeeper.core.programme import GiveWay, LatePolicy
from timekeeper.programme.schema import programme_json_schema

from .helpers import HEAD, SEED, load, messages

POLICY = (
    HEAD
    + """\
late:
  threshold: 2m
  order: [qa, panel]
slots:
  - {id: keynote, title: Keynote, start: "15:35", duration: 35m, give_way: fixed}
  - id: panel
    title: Panel
    duration: 1h
    give_way: 40m
    turns:
      - {speaker: Ada, duration: 6m, give_way: 4m}
      - {speaker: Grace, duration: 6m, give_way: fixed}
      - {speaker: Linus, duration: 6m}
  - {id: qa, title: Q&A, duration: 20m}
"""
)


def test_the_policy_reaches_the_programme() -> None:
    programme, _ = load(POLICY)
    keynote, panel, qa = programme.slots
    assert programme.late == LatePolicy(threshold=timedelta(minutes=2), order=("qa", "panel"))
    assert keynote.give_way == GiveWay(fixed=True)
    assert panel.give_way == GiveWay(minimum=timedelta(minutes=40))
    assert [t.give_way for t in panel.turns] == [
        GiveWay(minimum=timedelta(minutes=4)),
        GiveWay(fixed=True),
        None,
    ]
    assert qa.give_way is None


def test_no_configuration_is_the_default_policy() -> None:
    programme, _ = load(SEED.read_text(encoding="utf-8"))
    assert programme.late == LatePolicy()
    assert programme.late.threshold == timedelta(minutes=1)
    assert GiveWay().floor(timedelta(minutes=20)) == timedelta(minutes=10)  # half
    assert GiveWay().floor(timedelta(seconds=90)) == timedelta(minutes=1)  # never below 1m
    assert GiveWay(fixed=True).floor(timedelta(minutes=35)) == timedelta(minutes=35)


def test_a_give_way_that_is_neither_fixed_nor_a_duration_is_located() -> None:
    text = POLICY.replace("give_way: 4m", "give_way: soon")
    line = text.splitlines().index("      - {speaker: Ada, duration: 6m, give_way: soon}") + 1
    col = text.splitlines()[line - 1].index("soon") + 1
    assert messages(text) == [
        f"test.yaml:{line}:{col}: error: 'give_way' in turn 1 of slot 'panel': expected "
        "'fixed' or the shortest it may become when the show runs late, such as 4m, got 'soon'"
    ]


def test_an_unknown_slot_in_the_order_and_a_minimum_too_long_are_located() -> None:
    text = POLICY.replace("order: [qa, panel]", "order: [qa, pannel]")
    text = text.replace("give_way: 40m", "give_way: 2h")
    lines = text.splitlines()
    order = lines.index("  order: [qa, pannel]") + 1
    panel = lines.index("    give_way: 2h") + 1
    assert messages(text) == [
        f"test.yaml:{order}:{lines[order - 1].index('pannel') + 1}: error: late.order names "
        "'pannel', which is not a slot id (the slots are keynote, panel, qa)",
        f"test.yaml:{panel}:15: error: give_way 2h is not shorter than slot 'panel' (1h): "
        "write 'give_way: fixed' if it must not shrink",
    ]


def test_late_rejects_unknown_keys_and_a_zero_threshold() -> None:
    text = POLICY.replace("threshold: 2m", "threshold: 0s\n  auto: true")
    got = messages(text)
    assert any("'threshold' in 'late': expected a duration longer than 0s" in m for m in got)
    assert any("unknown key 'auto' in 'late'; expected one of: threshold, order" in m for m in got)


def test_the_schema_describes_the_policy() -> None:
    schema = programme_json_schema()
    defs = schema["$defs"]
    assert set(defs["LateModel"]["properties"]) == {"threshold", "order"}
    give_way = defs["SlotModel"]["properties"]["give_way"]
    assert {"const": "fixed"} in give_way["anyOf"][0]["anyOf"]
    assert "give_way" in defs["TurnModel"]["properties"]
