"""Armed boundaries in the switching machine alone: each boundary is switched exactly once.

No socket, no event loop, no sleep: the director arms a boundary ahead (`arm`), the
driver feeds `released` at its instant, and the session's own boundary input (`boundary`,
same key) follows a few milliseconds later — or comes first, when the release is late.
"""

from __future__ import annotations

from datetime import timedelta

from timekeeper.obs.machine_messages import Accepted, ReleaseAt, Resolve, SendSwitch, Step
from timekeeper.obs.status import SwitchOutcome

from .test_switching import T0, Obs, no_sockets, one

__all__ = ["no_sockets"]  # the autouse fixture: these tests open no socket either

AT = T0 + timedelta(seconds=1)  # the boundary instant


def arm(obs: Obs, ms: float, scene: str = "Keynote", key: str = "keynote") -> Step:
    step = obs.machine.arm(obs.at(ms), scene, boundary_at=AT, key=key, transition=None)
    obs.take(step)
    return step


def boundary(obs: Obs, ms: float, scene: str = "Keynote", key: str = "keynote") -> Step:
    step = obs.machine.boundary(obs.at(ms), scene, boundary_at=AT, key=key, transition=None)
    obs.take(step)
    return step


def release(obs: Obs, ms: float, step: Step) -> list[object]:
    return list(obs.take(obs.machine.released(obs.at(ms), step.job or 0)))


def sends(obs: Obs) -> list[str]:
    return [c.scene for c in obs.commands if isinstance(c, SendSwitch)]


def test_an_armed_boundary_then_its_own_event_switches_once() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    release(obs, 1000.3, armed)
    again = boundary(obs, 1004)  # the session heard of the boundary: its director calls in
    assert again.job == armed.job and again.commands == ()  # the same future, nothing sent
    assert sends(obs) == ["Keynote"]
    assert obs.kinds() == []  # the request is reported with its reply
    send = next(c for c in obs.commands if isinstance(c, SendSwitch))
    obs.reply(1006, send, Accepted())
    obs.program(1030, "Keynote")
    assert obs.kinds() == ["scene_switch_requested", "scene_switch_confirmed"]
    assert obs.status.last_switch is not None
    assert obs.status.last_switch.request_delay == timedelta(milliseconds=0.3)


def test_a_late_armed_switch_is_sent_by_the_boundary_and_its_release_does_nothing() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    sent = boundary(obs, 1002)  # the release has not come yet (a busy machine)
    assert sent.job == armed.job and sends(obs) == ["Keynote"]
    assert release(obs, 1009, armed) == []
    assert sends(obs) == ["Keynote"]


def test_the_boundary_after_the_confirmation_hands_out_the_confirmed_record() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    (send,) = [c for c in release(obs, 1000, armed) if isinstance(c, SendSwitch)]
    obs.reply(1003, send, Accepted())
    obs.program(1020, "Keynote")
    late = boundary(obs, 1050)
    resolved = one(list(late.commands), Resolve)  # a second caller's future resolves too
    assert resolved.job == armed.job and resolved.record.outcome is SwitchOutcome.CONFIRMED
    assert sends(obs) == ["Keynote"]


def test_arming_a_boundary_already_released_arms_nothing() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    release(obs, 1000, armed)
    again = arm(obs, 1001)
    assert again.job == armed.job and again.commands == ()
    assert obs.machine.armed is None and sends(obs) == ["Keynote"]


def test_a_disarmed_boundary_is_never_sent_and_the_next_one_is() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    dropped = one(obs.take(obs.machine.disarm(obs.at(500), "moved on by hand")), Resolve)
    assert dropped.job == armed.job and dropped.record.outcome is SwitchOutcome.CANCELLED
    assert release(obs, 1000, armed) == []
    boundary(obs, 600, "Break", key="break")  # the operator's next: switched at once
    assert sends(obs) == ["Break"]


def test_a_lost_connection_drops_the_armed_switch() -> None:
    obs = Obs()
    armed = arm(obs, 0)
    dropped = one(obs.take(obs.machine.connection_lost(obs.at(300))), Resolve)
    assert dropped.job == armed.job and dropped.record.outcome is SwitchOutcome.CANCELLED
    assert obs.machine.armed is None and release(obs, 1000, armed) == []


def test_a_release_long_after_its_instant_waits_for_the_boundary() -> None:
    """The process was frozen past the boundary: the show may have moved on further, so
    the stale release sends nothing; the boundary's own input still sends it, once."""
    obs = Obs()
    armed = arm(obs, 0)
    assert release(obs, 6000, armed) == []
    assert obs.machine.armed is not None
    boundary(obs, 6001)
    assert sends(obs) == ["Keynote"]


def test_a_new_arm_replaces_the_one_waiting_with_its_later_instant() -> None:
    """An extension moves the boundary: the earlier instant never fires."""
    obs = Obs()
    first = arm(obs, 0)
    later = AT + timedelta(minutes=5)
    step = obs.machine.arm(obs.at(100), "Keynote", boundary_at=later, key="k2", transition=None)
    obs.take(step)
    assert ReleaseAt(step.job or 0, later) in step.commands
    assert one(list(step.commands), Resolve).record.outcome is SwitchOutcome.SUPERSEDED
    assert release(obs, 1000, first) == [] and sends(obs) == []


def test_a_key_used_again_for_another_scene_or_instant_is_a_new_switch() -> None:
    """Callers may reuse a key (a benchmark's warm-ups): only the same boundary is one."""
    obs = Obs()
    for ms, scene in ((0, "Keynote"), (100, "Break"), (200, "Keynote")):
        m = obs.at(ms)
        at = obs.now
        obs.take(obs.machine.boundary(m, scene, boundary_at=at, key="again", transition=None))
    assert sends(obs) == ["Keynote", "Break", "Keynote"]


def test_an_armed_switch_whose_key_comes_with_another_scene_never_goes() -> None:
    obs = Obs()
    armed = arm(obs, 0)  # Keynote at AT
    superseded = boundary(obs, 1000, "Break")  # same key, another scene: a revised boundary
    dropped = [c for c in superseded.commands if isinstance(c, Resolve) and c.job == armed.job]
    assert dropped and dropped[0].record.outcome is SwitchOutcome.SUPERSEDED
    assert release(obs, 1001, armed) == [] and sends(obs) == ["Break"]


def test_a_boundary_only_reported_then_driven_is_sent() -> None:
    """A standby (or automatic switching off) only reports a boundary ("would switch");
    when it then drives (a takeover reconciles the same boundary: same key, scene and
    instant) the switch must go out, not be taken for done."""
    obs = Obs()
    obs.take(obs.machine.set_auto_switch(obs.at(0), False))
    boundary(obs, 1000)
    assert sends(obs) == [] and "scene_switch_skipped" in obs.kinds()
    obs.take(obs.machine.set_auto_switch(obs.at(1500), True))
    boundary(obs, 1600)
    assert sends(obs) == ["Keynote"]
