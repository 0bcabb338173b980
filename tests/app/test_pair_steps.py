"""The standby pair's pure steps and the read-only session (issue 24), without a broker or OBS:
what a takeover reconciles OBS with, which copied lines make the standby replay its copy, when a
handover is refused, the pair line, and that a standby's session refuses every change with the
reason (keys through `ShowSession`, remote actions through `control.actions.Controls`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import at, seed
from timekeeper.app.pair_notices import pair_line
from timekeeper.app.pair_steps import (
    CopyWatch,
    handover_refusal,
    takeover_inputs,
    unfit,
    wanted,
)
from timekeeper.control.actions import Controls, Refused
from timekeeper.core.clock import ManualClock
from timekeeper.core.cues import cues_for
from timekeeper.core.engine import Action, ActionKind, advance, new_show
from timekeeper.core.modes import RunMode
from timekeeper.core.standby import Kind, Peer, StandbyMachine
from timekeeper.rooms.replica_wire import Presence
from timekeeper.show.session import ReadOnly, ShowSession


def test_the_due_scene_carries_the_boundarys_own_switch_key_and_confirmed_switches_are_done() -> (
    None
):
    programme = seed()
    state, events = advance(new_show(programme, at("15:29")), at("15:36"))
    [cue] = cues_for(programme, events)[-1:]
    confirmed = {"event": "scene_switch_confirmed", "key": "introduction:scene:x"}
    due, intents, done = takeover_inputs(state, [confirmed], {"k:on_start:start_recording"})
    assert due is not None
    assert (due.scene, due.key, due.boundary_at) == ("Keynote", cue.key, at("15:35"))
    assert done == {"introduction:scene:x", "k:on_start:start_recording"}
    assert intents == {}  # the seed starts no output


def test_before_the_show_nothing_is_due() -> None:
    due, _, _ = takeover_inputs(new_show(seed(), at("15:00")), [], ())
    assert due is None


def line(**rec: object) -> bytes:
    return json.dumps(rec).encode() + b"\n"


def test_only_lines_that_change_the_show_replay_the_copy(tmp_path: Path) -> None:
    assert wanted(line(seq=3, event="operator", action={"kind": "next"}))
    assert wanted(line(seq=3, record="revision", sha256="ab"))
    assert wanted(line(seq=3, event="message", text="5 min"))
    assert not wanted(line(seq=3, event="slot_started", slot="keynote"))  # our clock does it
    assert not wanted(line(seq=3, event="other_timekeeper_noted") + b'{"cut')

    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(line(seq=0, record="run"))
    watch = CopyWatch(copy, every=0.2)
    assert watch.changed(0.0)  # the first lines: the show as the copy holds it
    assert not watch.changed(1.0)  # nothing new
    with copy.open("ab") as fh:
        fh.write(line(seq=1, event="slot_started") + b'{"seq":2,"event":"oper')
    assert not watch.changed(2.0)
    with copy.open("ab") as fh:
        fh.write(b'ator"}\n')
    assert not watch.changed(2.1)  # within `every` of the last look
    assert watch.changed(2.3)  # the operator's line, completed


def test_a_handover_needs_a_driver_and_a_standby_that_reaches_obs() -> None:
    there = Presence("run-b", "laptop-b", 7, False, 12, "t", obs=True)
    blind = Presence("run-b", "laptop-b", 7, False, 12, "t", obs=False)
    assert "does not drive" in str(handover_refusal(False, there, False))
    assert "no standby" in str(handover_refusal(True, None, False))
    assert "does not reach OBS" in str(handover_refusal(True, blind, False))
    assert "under way" in str(handover_refusal(True, there, True))
    assert handover_refusal(True, there, False) is None


def test_the_pair_line_says_who_drives_the_epoch_and_why_a_standby_waits() -> None:
    standby = StandbyMachine("run-b")
    standby.broker_link(True, 0.0)
    standby.obs_link(True, 0.0)
    standby.driver_topic(Peer(1, "run-a", "laptop-a", 42), 0.1)
    standby.beat(0.2)
    standby.announcement(Peer(1, "run-a", "laptop-a", 42), "driver", 0.2)
    standby.copy(7, 0.2)
    standby.head(7, 0.2)
    text = pair_line(standby.view(0.5), "laptop-b")
    assert text.startswith("STANDBY — run-a on laptop-a drives at epoch 1")
    assert "lag 0 records" in text and "alive on OBS and the broker" in text
    assert standby.view(0.5).verdict.kind is Kind.FOLLOW

    driver = StandbyMachine("run-a")
    driver.drive(1, 0.0, "laptop-a", 42)
    assert pair_line(driver.view(0.0), "laptop-a").startswith(
        "this run (laptop-a) drives at epoch 1 · no standby heard"
    )


def test_a_standbys_session_refuses_every_change_with_the_reason() -> None:
    clock = ManualClock(at("15:40"))
    session = ShowSession(seed(), clock, RunMode.LIVE)
    session.read_only = "this run stands by: the driver's operator runs the show"
    with pytest.raises(ReadOnly, match="stands by"):
        session.act(Action(ActionKind.NEXT))
    with pytest.raises(ReadOnly, match="stands by"):
        session.set_message("5 minutes")
    with pytest.raises(ReadOnly):
        session.dismiss_proposal()
    assert session.message is None

    class Run:  # the part of a run the control actions use
        def __init__(self) -> None:
            self.session, self.pair = session, None
            self.told: list[object] = []

        def tell(self, notice: object) -> None:
            self.told.append(notice)

    controls = Controls(Run())  # type: ignore[arg-type]
    for name, params in (("next", {"confirm": True}), ("message", {"text": "hi"})):
        with pytest.raises(Refused, match="stands by") as refused:
            controls.run(name, params, "api:deck")
        assert refused.value.status == 409
    with pytest.raises(Refused, match="no standby pair"):
        controls.run("take-over", {"confirm": True}, "api:deck")


def test_following_replaces_the_show_and_tells_the_screens() -> None:
    clock = ManualClock(at("15:40"))
    session = ShowSession(seed(), clock, RunMode.LIVE, catch_up=False)
    seen: list[str] = []
    session.subscribe(lambda events: seen.extend(e.kind for e in events))
    state, _ = advance(new_show(seed(), at("15:29")), at("15:40"))
    session.follow(state, None, clock.now())
    live = session.status().live
    assert live is not None and live.slot.id == "keynote"
    assert seen == ["followed"]


def test_a_standby_of_another_kind_than_its_driver_is_unfit_and_told_how_to_start() -> None:
    def header(mode: str, rehearsal: bool) -> bytes:
        return json.dumps(
            {"record": "run", "seq": 0, "mode": mode, "rehearsal": rehearsal}
        ).encode()

    assert unfit(header("dress", True), "dress", True) is None
    assert unfit(None, "dress", True) is None  # no header yet: nothing to judge
    why = unfit(header("dry", True), "dress", True)
    assert why is not None and "a dry rehearsal" in why and "a dress rehearsal" in why
    assert "--dry-run" in why
    live = unfit(header("dress", True), "live", False)
    assert live is not None and "the live show" in live
