"""The chaos harness's judge on synthetic evidence: it must catch what it claims to catch.

A tiny show (three slots, one with two turns) written as as-run records, OBS sightings
and follower samples, on a pretend clock at ×100 that started at 09:00 (real 12:00).
Each test damages one thing — a record duplicated, lost, a restart that began a new
log, an output action applied twice, a boundary never switched, a scene switched
twice, the follower counting wrong — and checks the verdict names it; an undamaged
copy, and outages the rules excuse, pass.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.chaos.judge import Blackout, RunEvidence, ShowClock, Verdict, gaps_from, judge
from bench.chaos.observers import FollowerSample, ObsSeen

SHOW0 = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)
REAL0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SPEED = 100.0
CLOCK = ShowClock(SHOW0, REAL0, SPEED)
SCENES = {"a": "Intro", "b": "Panel", "c": "Closing"}
Rec = dict[str, Any]


def show(minutes: float) -> datetime:
    return SHOW0 + timedelta(minutes=minutes)


def real(minutes: float, later: float = 0.0) -> datetime:
    """The real instant of show minute `minutes`, plus `later` real seconds."""
    return CLOCK.real_at(show(minutes)) + timedelta(seconds=later)


def records() -> list[Rec]:
    """a 09:01–09:11, b 09:11–09:31 with turns at 09:11 and 09:21, c 09:31–09:41."""
    events: list[tuple[str, float, str | None, int | None]] = [
        ("show_started", 1, None, None), ("slot_started", 1, "a", None),
        ("phase", 9, "a", None), ("slot_ended", 11, "a", None),
        ("slot_started", 11, "b", None), ("turn_started", 11, "b", 0),
        ("turn_ended", 21, "b", 0), ("turn_started", 21, "b", 1), ("turn_ended", 31, "b", 1),
        ("turns_done", 31, "b", None), ("slot_ended", 31, "b", None),
        ("slot_started", 31, "c", None), ("slot_ended", 41, "c", None),
        ("show_ended", 41, None, None),
    ]  # fmt: skip
    out: list[Rec] = [{
        "record": "run", "seq": 0, "started_at": SHOW0.isoformat(),
        "real_started_at": REAL0.isoformat(), "speed": SPEED,
    }]  # fmt: skip
    for kind, minute, slot, turn in events:
        r: Rec = {"record": "event", "event": kind, "at": show(minute).isoformat()}
        if slot is not None:
            r["slot"] = slot
        if turn is not None:
            r["turn"] = turn
        out.append(r)
        if kind == "slot_started" and slot == "a":
            out.append({"record": "event", "event": "action_skipped",
                        "key": "a:on_start:start_streaming", "at": r["at"]})  # fmt: skip
    for seq, r in enumerate(out):
        r["seq"] = seq
    return out


def obs_seen() -> list[ObsSeen]:
    """OBS confirms each slot's scene 50 ms after its boundary."""
    return [ObsSeen(real(0), "connected", scene="Holding")] + [
        ObsSeen(real(m, 0.05), "scene", scene=s) for m, s in ((1, "Intro"), (11, "Panel"),
                                                              (31, "Closing"))
    ]  # fmt: skip


DEADLINES = {"a": 11.0, "b/0": 21.0, "b/1": 31.0, "c": 41.0}


def segment_at(minute: float) -> str:
    for seg, (start, end) in {"a": (1, 11), "b/0": (11, 21), "b/1": (21, 31),
                              "c": (31, 41)}.items():  # fmt: skip
        if start <= minute < end:
            return seg
    return "ended"


def samples(shift: float = 0.0, wrong_from: float | None = None) -> list[FollowerSample]:
    """The follower every 30 show seconds; `shift` show seconds added to its idea of now
    from minute `wrong_from` on."""
    out = []
    minute = 1.0
    while minute < 41:
        seg = segment_at(minute)
        now = show(minute)
        if wrong_from is not None and minute >= wrong_from:
            now += timedelta(seconds=shift)
        out.append(FollowerSample(real(minute), True, seg, show(DEADLINES[seg]), now, real(minute)))
        minute += 0.5
    return out


def evidence(logs: Sequence[list[Rec]] | None = None, obs: list[ObsSeen] | None = None,
             follower: list[FollowerSample] | None = None,
             blackouts: Sequence[Blackout] = ()) -> RunEvidence:  # fmt: skip
    return RunEvidence(
        logs if logs is not None else [records()],
        obs if obs is not None else obs_seen(),
        follower if follower is not None else samples(),
        blackouts,
    )


def verdict(faulted: RunEvidence) -> Verdict:
    return judge(evidence(), faulted, scenes=SCENES)


def test_an_identical_run_passes() -> None:
    v = verdict(evidence())
    assert v.ok, v.problems
    assert (v.boundaries, v.boundaries_missed, v.lost, v.repeated) == (3, 0, 0, 0)
    assert v.follower_samples > 50


def test_a_duplicated_record_is_a_repeat() -> None:
    log = records()
    twice = copy.deepcopy(next(r for r in log if r.get("event") == "turn_started"))
    log.append({**twice, "seq": len(log)})
    v = verdict(evidence([log]))
    assert not v.ok
    assert v.records_repeated == 1
    assert any("repeated" in p and "turn_started" in p for p in v.problems)


def test_a_lost_record_is_counted() -> None:
    log = [r for r in records() if not (r.get("event") == "slot_ended" and r.get("slot") == "b")]
    v = verdict(evidence([log]))
    assert not v.ok and v.records_lost == 1


def test_a_restart_that_begins_a_new_log_reuses_sequence_numbers() -> None:
    first = [r for r in records() if r.get("at", "") <= show(15).isoformat() or r["seq"] == 0]
    second = [{**r} for r in records()]  # the rehearsal started over: everything again
    v = verdict(evidence([first, second]))
    assert not v.ok
    assert v.new_logs == 1 and v.seq_reused >= len(first) - 1
    assert v.records_repeated >= len(first) - 2


def test_out_of_order_is_caught() -> None:
    log = records()
    i = next(i for i, r in enumerate(log) if r.get("event") == "slot_started" and r["slot"] == "b")
    j = next(i for i, r in enumerate(log) if r.get("event") == "slot_started" and r["slot"] == "c")
    log[i], log[j] = log[j], log[i]
    assert verdict(evidence([log])).out_of_order == 1


def test_an_output_action_applied_twice() -> None:
    log = records()
    action = next(r for r in log if r.get("event") == "action_skipped")
    log.append({**action, "seq": len(log)})
    v = verdict(evidence([log]))
    assert not v.ok and v.actions_repeated == 1


def test_an_output_started_in_obs_during_a_rehearsal() -> None:
    obs = [*obs_seen(), ObsSeen(real(5), "output", output="stream",
                                state="OBS_WEBSOCKET_OUTPUT_STARTED")]  # fmt: skip
    assert verdict(evidence(obs=obs)).outputs_changed == 1


def test_a_boundary_never_switched_is_missed() -> None:
    obs = [s for s in obs_seen() if s.scene != "Panel"]
    v = verdict(evidence(obs=obs))
    assert not v.ok
    assert v.boundaries_missed == 1
    assert any("Panel" in p for p in v.problems)
    # and what OBS said around it is printed, to explain the miss without the run's files
    assert any(p.strip().startswith("OBS said scene Intro") for p in v.problems), v.problems
    assert [w[2] for w in v.missed_windows] == ["Panel"]


def test_a_scene_confirmed_twice() -> None:
    obs = obs_seen()
    obs.insert(3, ObsSeen(real(11, 0.3), "scene", scene="Panel"))
    v = verdict(evidence(obs=obs))
    assert not v.ok and v.boundaries_twice == 1


def test_a_switch_to_a_scene_no_boundary_wants_is_stray() -> None:
    obs = [*obs_seen(), ObsSeen(real(20), "scene", scene="Intro")]
    assert verdict(evidence(obs=obs)).stray_switches == 1


def test_boundaries_inside_one_outage_need_only_the_last_switched_when_obs_returns() -> None:
    # OBS down from 09:10 to 09:25 (both the Panel boundary at 09:11 and ...): the Panel
    # slot is still live when OBS returns, so it must be switched then, once
    outage = Blackout(real(10), real(25), "obs")
    back = [ObsSeen(real(25, 0.2), "connected", scene="Holding"),
            ObsSeen(real(25, 0.4), "scene", scene="Panel")]  # fmt: skip
    obs = [s for s in obs_seen() if s.scene != "Panel"] + back
    obs.sort(key=lambda s: s.real)
    v = verdict(evidence(obs=obs, blackouts=[outage]))
    assert v.ok, v.problems
    # ... and not switching it when OBS is back is a miss
    v = verdict(evidence(obs=[s for s in obs if s.scene != "Panel"], blackouts=[outage]))
    assert v.boundaries_missed == 1


def test_a_boundary_whose_whole_slot_fell_in_an_outage_is_superseded() -> None:
    outage = Blackout(real(10), real(32), "obs")  # Panel's whole slot, 09:11-09:31
    obs = [s for s in obs_seen() if s.scene not in ("Panel", "Closing")]
    obs += [ObsSeen(real(32, 0.2), "connected", scene="Holding"),
            ObsSeen(real(32, 0.4), "scene", scene="Closing")]  # fmt: skip
    v = verdict(evidence(obs=obs, blackouts=[outage]))
    assert v.ok, v.problems
    assert v.boundaries_superseded == 1


def test_a_resync_after_obs_lost_the_scene_is_not_a_repeat() -> None:
    # OBS killed mid-Panel and back on its saved scene: the live scene is sent again
    obs = obs_seen()
    obs += [ObsSeen(real(15), "lost"), ObsSeen(real(16), "connected", scene="Holding"),
            ObsSeen(real(16, 0.3), "scene", scene="Panel")]  # fmt: skip
    obs.sort(key=lambda s: s.real)
    v = verdict(evidence(obs=obs, blackouts=[Blackout(real(15), real(16), "obs")]))
    assert v.ok, v.problems


def test_a_follower_two_seconds_off_is_wrong() -> None:
    v = verdict(evidence(follower=samples(shift=2.0, wrong_from=12)))
    assert not v.ok and v.follower_wrong > 10
    assert 1.9 < v.follower_max_error < 2.1


def test_a_follower_showing_the_previous_slot_is_wrong() -> None:
    stale = [replace(s, segment="a") if s.segment == "b/0" else s for s in samples()]
    assert verdict(evidence(follower=stale)).follower_wrong > 5


def test_follower_samples_in_a_blackout_or_not_fresh_are_not_judged() -> None:
    off = samples(shift=120.0, wrong_from=12)
    blind = [replace(s, fresh=False) if s.real >= real(12) else s for s in off]
    assert verdict(evidence(follower=blind)).ok
    outage = Blackout(real(11, 0.5), real(41), "kill")
    assert verdict(evidence(follower=off, blackouts=[outage])).ok


def test_obs_found_on_the_live_scene_when_it_returns_confirms_the_boundary() -> None:
    # timekeeper switched the returning OBS before the observer reconnected: OBS's own
    # answer on reconnection is the evidence; the Panel change itself was never seen
    outage = Blackout(real(10), real(25), "obs")
    obs = [s for s in obs_seen() if s.scene != "Panel"]
    obs += [ObsSeen(real(10), "lost"), ObsSeen(real(25, 0.3), "connected", scene="Panel")]
    obs.sort(key=lambda s: s.real)
    v = verdict(evidence(obs=obs, blackouts=[outage]))
    assert v.ok, v.problems
    # on another scene it confirms nothing
    obs[-2] = ObsSeen(real(25, 0.3), "connected", scene="Holding")
    obs.sort(key=lambda s: s.real)
    assert verdict(evidence(obs=obs, blackouts=[outage])).boundaries_missed == 1


def test_a_boundary_back_to_the_scene_obs_never_left_needs_no_switch() -> None:
    # a frozen laptop slept through the Panel (superseded): when it woke, the next slot's
    # scene was the one OBS still showed, so there was nothing to switch
    scenes = {"a": "Intro", "b": "Panel", "c": "Intro"}
    obs = [
        ObsSeen(real(0), "connected", scene="Holding"),
        ObsSeen(real(1, 0.05), "scene", scene="Intro"),
    ]
    frozen = Blackout(real(10), real(32), "stop")
    v = judge(evidence(), evidence(obs=obs, blackouts=[frozen]), scenes=scenes)
    assert v.ok, v.problems
    # without the freeze the Panel is missed, and the Intro after it is still right
    v = judge(evidence(), evidence(obs=obs), scenes=scenes)
    assert v.boundaries_missed == 1 and "Panel" in v.problems[0]


def test_the_change_event_after_obs_answered_with_the_new_scene_is_not_a_repeat() -> None:
    # the observer reconnects while timekeeper's switch is on its way: OBS answers
    # "Panel" at once and sends the change event on its next frame
    outage = Blackout(real(10), real(25), "obs")
    obs = [s for s in obs_seen() if s.scene != "Panel"]
    obs += [ObsSeen(real(10), "lost"), ObsSeen(real(25, 0.30), "connected", scene="Panel"),
            ObsSeen(real(25, 0.33), "scene", scene="Panel")]  # fmt: skip
    obs.sort(key=lambda s: s.real)
    assert verdict(evidence(obs=obs, blackouts=[outage])).ok
    # a further switch to the same scene is one too many
    obs.append(ObsSeen(real(25, 0.6), "scene", scene="Panel"))
    obs.sort(key=lambda s: s.real)
    assert verdict(evidence(obs=obs, blackouts=[outage])).boundaries_twice == 1


def test_a_resync_the_observer_saw_land_as_it_reconnected_is_not_a_repeat() -> None:
    # the soak: Panel switched at its boundary, then OBS killed and restarted on its first
    # scene; timekeeper puts Panel back a moment before the observer reconnects, so the
    # observer's first read already says Panel and the change event follows
    obs = obs_seen()
    obs += [ObsSeen(real(15), "lost"), ObsSeen(real(16, 0.30), "connected", scene="Panel"),
            ObsSeen(real(16, 0.33), "scene", scene="Panel")]  # fmt: skip
    obs.sort(key=lambda s: s.real)
    outage = Blackout(real(15), real(16), "obs")
    v = verdict(evidence(obs=obs, blackouts=[outage]))
    assert v.ok, v.problems
    obs.append(ObsSeen(real(16, 0.6), "scene", scene="Panel"))  # one more is one too many
    obs.sort(key=lambda s: s.real)
    assert verdict(evidence(obs=obs, blackouts=[outage])).boundaries_twice == 1


def test_gaps_are_the_instants_with_no_slot_live() -> None:
    recs = [{"record": "event", "event": e, "slot": "x", "at": show(m).isoformat()}
            for e, m in (("slot_started", 1), ("slot_ended", 11), ("slot_started", 11),
                         ("slot_ended", 20), ("slot_started", 30), ("slot_ended", 40),
                         ("show_ended", 40))]  # fmt: skip
    # and after the end: an OBS restarted then is not expected on the last slot's scene
    assert gaps_from(recs) == [(show(20), show(30)), (show(40), show(40) + timedelta(days=365))]


def test_a_gap_between_slots_is_between_not_the_last_slot() -> None:
    # c ends at 09:41 and the show only ends at 10:00: the screens say "between"
    log = records()
    for r in log:
        if r.get("event") == "show_ended":
            r["at"] = show(60).isoformat()
    follower = samples() + [
        FollowerSample(real(m), True, "between", None, show(m), real(m)) for m in (45, 50, 55)
    ]
    v = judge(evidence([log], follower=follower), evidence([log], follower=follower), scenes=SCENES)
    assert v.ok, v.problems


def test_a_boundary_just_before_obs_dies_is_superseded_one_well_before_is_not() -> None:
    """The Panel starts 14 ms before OBS is killed and ends inside the outage: its switch can
    never reach program (OBS renders it on its next frame). Half a second before, it can."""
    obs = [s for s in obs_seen() if s.scene not in ("Panel", "Closing")]
    obs += [ObsSeen(real(32, 0.2), "connected", scene="Holding"),
            ObsSeen(real(32, 0.4), "scene", scene="Closing")]  # fmt: skip
    just = Blackout(real(11, 0.014), real(32), "obs")
    v = verdict(evidence(obs=obs, blackouts=[just]))
    assert v.ok, v.problems
    assert v.boundaries_superseded == 1
    early = Blackout(real(11, 0.5), real(32), "obs")
    v = verdict(evidence(obs=obs, blackouts=[early]))
    assert v.boundaries_missed == 1


def test_a_last_slot_that_passed_wholly_inside_a_freeze_is_superseded() -> None:
    """The Closing (09:31–09:41, the show's end) passes while the laptop is frozen: there is
    nothing left to switch when it thaws (seed 3: a freeze that outlasted the show)."""
    obs = [s for s in obs_seen() if s.scene != "Closing"]
    frozen = Blackout(real(30), real(42), "stop")
    v = verdict(evidence(obs=obs, blackouts=[frozen]))
    assert v.boundaries_missed == 0 and v.boundaries_superseded == 1, v.problems
