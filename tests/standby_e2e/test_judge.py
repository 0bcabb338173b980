"""The takeover judge's rules on synthetic evidence: each verdict can fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .judge import (
    Boundary,
    boundaries,
    continuity,
    epochs_driving,
    outputs,
    strays,
    takeover,
)
from .witness import Seen

T0 = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)


def at(seconds: float, kind: str, **fields: object) -> Seen:
    return Seen(seconds, T0 + timedelta(seconds=seconds), kind, **fields)  # type: ignore[arg-type]


def announce(seconds: float, run: str, epoch: int, role: str = "driver") -> Seen:
    return at(seconds, "announce", run_id=run, epoch=epoch, role=role)


def test_the_delay_runs_from_the_primarys_last_announcement_to_the_new_drivers_first() -> None:
    seen = [
        announce(0.0, "a", 1),
        announce(0.1, "b", 1, "standby"),
        announce(0.25, "a", 1),
        announce(1.4, "b", 2),
        announce(1.5, "b", 2),
    ]
    t = takeover(seen, "a")
    assert t.delay is not None and abs(t.delay - 1.15) < 1e-9
    assert t.epoch == 2
    assert epochs_driving(seen, "b") == [2]


def test_the_primarys_own_last_switch_is_not_the_new_drivers_sign() -> None:
    seen = [announce(0.25, "a", 1), at(0.3, "scene", scene="Talk"), announce(1.4, "b", 2)]
    t = takeover(seen, "a")
    assert t.delay is not None and abs(t.delay - 1.15) < 1e-9


def test_no_takeover_when_nobody_else_drove() -> None:
    seen = [announce(0.0, "a", 1), announce(0.2, "b", 1, "standby"), announce(0.5, "a", 1)]
    assert takeover(seen, "a").first_new is None
    assert takeover(seen, "a").delay is None


def test_a_boundary_switched_once_twice_or_never() -> None:
    planned = [
        Boundary("s1", "Intro", T0 + timedelta(seconds=1)),
        Boundary("s2", "Talk", T0 + timedelta(seconds=4)),
        Boundary("s3", "Panel", T0 + timedelta(seconds=7)),
    ]
    seen = [
        at(0.0, "connected", scene="Holding"),
        at(1.01, "scene", scene="Intro"),
        at(4.02, "scene", scene="Talk"),
        at(5.2, "scene", scene="Talk"),  # a takeover switching what was already on program
    ]
    verdicts = boundaries(seen, planned, T0 + timedelta(seconds=9), "Holding")
    assert [(v.switches, v.missed, v.twice) for v in verdicts] == [
        (1, False, False),
        (2, False, True),
        (0, True, False),
    ]


def test_a_past_slots_scene_switched_again_is_a_stray() -> None:
    planned = [
        Boundary("s1", "Intro", T0 + timedelta(seconds=1)),
        Boundary("s2", "Talk", T0 + timedelta(seconds=4)),
        Boundary("s3", "Panel", T0 + timedelta(seconds=7)),
    ]
    seen = [
        at(1.0, "scene", scene="Intro"),
        at(4.0, "scene", scene="Talk"),
        at(7.0, "scene", scene="Panel"),
        at(8.5, "scene", scene="Talk"),  # an old primary back from a freeze, slot 2 overdue
    ]
    (stray,) = strays(seen, planned, T0 + timedelta(seconds=10))
    assert (stray.scene, stray.mono) == ("Talk", 8.5)
    assert strays(seen[:3], planned, T0 + timedelta(seconds=10)) == []


def test_a_boundary_whose_scene_was_already_on_program_is_not_missed() -> None:
    planned = [Boundary("s1", "Intro", T0 + timedelta(seconds=1))]
    seen = [at(0.0, "connected", scene="Intro")]
    (verdict,) = boundaries(seen, planned, T0 + timedelta(seconds=3), "Holding")
    assert not verdict.missed


def test_outputs_are_counted_by_state() -> None:
    seen = [
        at(1, "output", output="record", state="OBS_WEBSOCKET_OUTPUT_STARTED"),
        at(2, "output", output="record", state="OBS_WEBSOCKET_OUTPUT_STARTED"),
        at(3, "output", output="stream", state="OBS_WEBSOCKET_OUTPUT_STARTED"),
    ]
    assert outputs(seen)["OBS_WEBSOCKET_OUTPUT_STARTED"] == 2


def rec(seq: int, event: str = "x", **fields: object) -> dict[str, object]:
    return {"seq": seq, "event": event, **fields}


def test_a_copy_that_continues_the_sequence_is_whole() -> None:
    primary = [rec(0, "run"), rec(1), rec(2, "action_done", key="s1:rec"), rec(3)]
    standby = [*primary[:3], rec(3, "driving", epoch=2), rec(4)]
    c = continuity(primary, standby)
    assert c.ok, c
    assert (c.copied, c.unreplicated, c.continued) == (3, 1, 2)


def test_gaps_repeats_forks_and_repeated_actions_fail() -> None:
    primary = [rec(0, "run"), rec(1), rec(2), rec(3)]
    assert continuity(primary, [rec(0, "run"), rec(1), rec(3)]).gaps == (2,)
    assert continuity(primary, [*primary, rec(3)]).repeats == (3,)
    assert continuity(primary, [rec(0, "run"), rec(1), rec(2, "other"), rec(3)]).forks == (2,)
    done = [rec(0, "run"), rec(1, "action_done", key="k")]
    again = continuity(done, [*done, rec(2, "action_done", key="k")])
    assert again.actions_repeated == ("k",) and not again.ok
    lost = [*done, rec(2, "action_done", key="j")]  # done by the primary, never sent
    redone = [*done, rec(2, "driving", epoch=2), rec(3, "action_done", key="j")]
    assert continuity(lost, redone).actions_repeated == ("j",)
