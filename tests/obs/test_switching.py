"""The switching machine alone: OBS's answers and `now` in, commands out.

No socket, no event loop, no sleep (an autouse fixture makes opening a socket fail):
each test feeds the pure `SwitchMachine` the way `websockets` tests its protocol,
and checks the commands and events a user would see the effects of.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Transition
from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import (
    Accepted,
    CancelTimer,
    Command,
    Emit,
    Lost,
    Moment,
    NoAnswer,
    ReadProgram,
    Refused,
    ReleaseAt,
    Resolve,
    SendSwitch,
    StartTimer,
    Step,
    SwitchReply,
    TimerSlot,
)
from timekeeper.obs.status import ObsState, ObsStatus, SwitchOutcome, SwitchPolicy
from timekeeper.obs.switch_job import Phase
from timekeeper.obs.switching import SwitchMachine

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
C = TypeVar("C")
POLICY = SwitchPolicy(confirm_timeout=2.0, retries=2, retry_interval=1.0)


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the switching machine's tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


class Obs:
    """The machine plus what a driver would keep: the status, the clock, the commands so far."""

    def __init__(self, *, mode: RunMode = RunMode.LIVE, program: str | None = "Holding") -> None:
        self.machine = SwitchMachine(policy=POLICY, override_settle=0.25, configured=True)
        self.status = ObsStatus(state=ObsState.CONNECTED, mode=mode, program_scene=program)
        self.now = T0
        self.connected = True
        self.commands: list[Command] = []

    def at(self, ms: float) -> Moment:
        self.now = T0 + timedelta(milliseconds=ms)
        return Moment(self.now, self.status, self.connected)

    def take(self, step: Step) -> list[Command]:
        self.status = step.status
        self.commands.extend(step.commands)
        return list(step.commands)

    def boundary(
        self, ms: float, scene: str, transition: Transition | None = None
    ) -> list[Command]:
        m = self.at(ms)
        return self.take(
            self.machine.boundary(
                m, scene, boundary_at=T0, key=scene.lower(), transition=transition
            )
        )

    def reply(self, ms: float, send: SendSwitch, reply: SwitchReply) -> list[Command]:
        return self.take(self.machine.switch_replied(self.at(ms), send.job, send.attempt, reply))

    def program(self, ms: float, scene: str) -> list[Command]:
        return self.take(self.machine.program_scene(self.at(ms), scene))

    def fire(self, ms: float, timer: StartTimer) -> list[Command]:
        return self.take(self.machine.timer_fired(self.at(ms), timer.slot, timer.token))

    def events(self) -> list[ev.ObsEvent]:
        return [c.event for c in self.commands if isinstance(c, Emit)]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events()]

    def resolved(self) -> list[Resolve]:
        return [c for c in self.commands if isinstance(c, Resolve)]


def one(commands: list[Command], kind: type[C]) -> C:
    found = [c for c in commands if isinstance(c, kind)]
    assert len(found) == 1, commands
    return found[0]


def test_a_boundary_sends_at_once_and_is_done_when_obs_names_the_scene() -> None:
    obs = Obs()
    send = one(obs.boundary(1.5, "Keynote"), SendSwitch)
    assert send.scene == "Keynote" and send.attempt == 1
    timer = one(obs.reply(6, send, Accepted()), StartTimer)
    assert timer.slot is TimerSlot.JOB and timer.seconds == POLICY.confirm_timeout
    assert obs.machine.phase is Phase.CONFIRMING
    done = obs.program(34, "Keynote")
    assert CancelTimer(TimerSlot.JOB) in done
    record = one(done, Resolve).record
    assert record.outcome is SwitchOutcome.CONFIRMED
    assert record.request_delay == timedelta(milliseconds=1.5)
    assert record.confirm_delay == timedelta(milliseconds=34)
    assert obs.kinds() == ["scene_switch_requested", "scene_switch_confirmed"]
    assert obs.status.program_scene == "Keynote" and obs.status.last_switch == record


def test_the_scene_already_on_program_is_confirmed_without_a_request() -> None:
    obs = Obs(program="Keynote")
    commands = obs.boundary(1, "Keynote")
    assert not [c for c in commands if isinstance(c, SendSwitch)]
    record = one(commands, Resolve).record
    assert record.ok and record.attempts == 0
    confirmed = obs.events()[-1]
    assert isinstance(confirmed, ev.SceneSwitchConfirmed) and confirmed.already


def test_the_event_may_overtake_the_reply() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    obs.program(20, "Keynote")
    assert obs.reply(25, send, Accepted()) == []  # nothing left to do: no timer is started
    assert obs.kinds() == ["scene_switch_requested", "scene_switch_confirmed"]


def test_a_missing_scene_is_not_retried_and_raises_the_alarm() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynot"), SendSwitch)
    commands = obs.reply(5, send, Refused("No source was found", 600))
    assert not [c for c in commands if isinstance(c, StartTimer)]
    assert one(commands, Resolve).record.outcome is SwitchOutcome.FAILED
    assert obs.status.alarm == "switch to Keynot failed: No source was found"


def test_a_refusal_is_retried_by_the_policy_then_fails_for_good() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    for attempt in range(1, POLICY.retries + 1):
        retry = one(obs.reply(attempt * 1000, send, Refused("busy", 500)), StartTimer)
        assert retry.seconds == POLICY.retry_interval and obs.machine.phase is Phase.RETRY_WAIT
        send = one(obs.fire(attempt * 1000 + 1000, retry), SendSwitch)
        assert send.attempt == attempt + 1
    final = obs.reply(9000, send, Refused("busy", 500))
    assert one(final, Resolve).record.outcome is SwitchOutcome.FAILED
    failed = [e for e in obs.events() if isinstance(e, ev.SceneSwitchFailed)]
    assert [f.will_retry for f in failed] == [True, True, False]
    requested = [e for e in obs.events() if isinstance(e, ev.SceneSwitchRequested)]
    assert [r.reason for r in requested] == ["boundary", "retry", "retry"]


def test_an_unconfirmed_switch_is_sent_again() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    confirm = one(obs.reply(5, send, NoAnswer()), StartTimer)
    retry = one(obs.fire(2005, confirm), StartTimer)
    failed = obs.events()[-1]
    assert isinstance(failed, ev.SceneSwitchFailed) and failed.will_retry
    assert failed.error == "OBS did not confirm within 2 s"
    assert one(obs.fire(3005, retry), SendSwitch).attempt == 2


def test_a_transition_adds_its_duration_to_the_confirmation_wait() -> None:
    obs = Obs()
    fade = Transition("Fade", timedelta(milliseconds=700))
    send = one(obs.boundary(1, "Keynote", fade), SendSwitch)
    assert (send.transition, send.duration_ms) == ("Fade", 700)
    assert one(obs.reply(5, send, Accepted()), StartTimer).seconds == pytest.approx(2.7)


def test_a_stale_timer_or_reply_of_a_superseded_switch_changes_nothing() -> None:
    obs = Obs()
    first = one(obs.boundary(1, "Keynote"), SendSwitch)
    confirm = one(obs.reply(5, first, Accepted()), StartTimer)
    second = one(obs.boundary(10, "Break"), SendSwitch)
    assert obs.resolved()[0].record.outcome is SwitchOutcome.SUPERSEDED
    obs.reply(15, second, Accepted())
    assert obs.fire(2005, confirm) == []  # the driver missed the cancel: still harmless
    assert obs.machine.phase is Phase.CONFIRMING and obs.status.alarm is None
    assert not [e for e in obs.events() if isinstance(e, ev.SceneSwitchFailed)]


def test_a_scene_put_on_program_by_hand_is_not_fought_until_the_next_boundary() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    obs.reply(5, send, Accepted())
    obs.program(30, "Keynote")
    settle = one(obs.program(5000, "Sponsor"), StartTimer)
    assert settle.slot is TimerSlot.OVERRIDE and settle.seconds == 0.25
    obs.fire(5250, settle)
    assert obs.status.override and obs.kinds()[-1] == "scene_override"
    nxt = one(obs.boundary(9000, "Break"), SendSwitch)
    assert nxt.scene == "Break" and not obs.status.override


def test_a_transient_program_change_is_no_hand_switch() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    obs.reply(5, send, Accepted())
    obs.program(30, "Keynote")
    settle = one(obs.program(4000, "Holding"), StartTimer)
    assert CancelTimer(TimerSlot.OVERRIDE) in obs.program(4002, "Keynote")
    assert obs.fire(4250, settle) == [] and not obs.status.override


def test_a_switch_while_offline_is_sent_after_the_reconnect() -> None:
    obs = Obs()
    obs.connected = False
    assert not [c for c in obs.boundary(1, "Keynote") if isinstance(c, SendSwitch)]
    failed = obs.events()[-1]
    assert isinstance(failed, ev.SceneSwitchFailed) and failed.will_retry
    assert obs.machine.phase is Phase.OFFLINE
    obs.connected = True
    read = one(obs.take(obs.machine.connected(obs.at(8000))), ReadProgram)
    send = one(obs.take(obs.machine.program_read(obs.at(8004), read.job, "Holding")), SendSwitch)
    assert send.scene == "Keynote"
    obs.reply(8010, send, Accepted())
    record = one(obs.program(8040, "Keynote"), Resolve).record
    assert record.ok and record.reason == "reconnect"


def test_a_drop_in_flight_waits_for_the_reconnect() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    obs.reply(40, send, Lost())
    assert obs.machine.phase is Phase.OFFLINE
    read = one(obs.take(obs.machine.connected(obs.at(900))), ReadProgram)
    # OBS carried the request out before the drop: confirmed without sending again
    step = obs.machine.program_read(obs.at(905), read.job, "Keynote")
    assert one(obs.take(step), Resolve).record.ok


def test_a_dry_run_only_reports_what_it_would_switch_to() -> None:
    obs = Obs(mode=RunMode.DRY)
    commands = obs.boundary(1, "Keynote")
    assert not [c for c in commands if isinstance(c, SendSwitch | ReadProgram)]
    skipped = obs.events()[0]
    assert isinstance(skipped, ev.SceneSwitchSkipped) and skipped.reason == "dry_run"
    assert one(commands, Resolve).record.outcome is SwitchOutcome.SKIPPED


def test_turning_automatic_switching_off_cancels_a_pending_retry() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    obs.reply(5, send, Refused("busy", 500))
    commands = obs.take(obs.machine.set_auto_switch(obs.at(100), False))
    assert CancelTimer(TimerSlot.JOB) in commands
    assert one(commands, Resolve).record.outcome is SwitchOutcome.CANCELLED
    assert obs.kinds()[-1] == "auto_switch_changed" and not obs.status.auto_switch
    skipped = obs.boundary(2000, "Break")
    assert one(skipped, Resolve).record.outcome is SwitchOutcome.SKIPPED


def test_a_confirmation_wait_gives_a_hand_switch_time_to_settle() -> None:
    obs = Obs()
    send = one(obs.boundary(1, "Keynote"), SendSwitch)
    confirm = one(obs.reply(5, send, Accepted()), StartTimer)
    obs.program(1990, "Sponsor")  # someone switches by hand just before the wait ends
    again = one(obs.fire(2005, confirm), StartTimer)
    assert again.slot is TimerSlot.JOB and again.seconds == 0.25
    assert not [e for e in obs.events() if isinstance(e, ev.SceneSwitchFailed)]


def test_the_status_given_in_is_kept() -> None:
    """Fields the machine does not own (set by the connection) pass through untouched."""
    obs = Obs()
    obs.status = replace(obs.status, streaming=True, obs_version="29.0.2")
    obs.boundary(1, "Keynote")
    assert obs.status.streaming and obs.status.obs_version == "29.0.2"
    assert obs.status.desired_scene == "Keynote"


def test_an_armed_boundary_leaves_at_its_instant_and_changes_nothing_before() -> None:
    obs = Obs()
    boundary_at = T0 + timedelta(seconds=1)
    step = obs.machine.arm(
        obs.at(900), "Keynote", boundary_at=boundary_at, key="k", transition=None
    )
    armed = obs.take(step)
    assert armed == [ReleaseAt(step.job or 0, boundary_at)]
    assert obs.status.desired_scene is None  # nothing shows before its instant
    released = obs.take(obs.machine.released(obs.at(1000.4), step.job or 0))
    send = one(released, SendSwitch)
    assert send.scene == "Keynote" and obs.status.desired_scene == "Keynote"
    obs.reply(1003, send, Accepted())
    resolved = one(obs.program(1030, "Keynote"), Resolve)
    assert resolved.job == step.job  # the future handed out when it was armed
    assert resolved.record.request_delay == timedelta(milliseconds=0.4)


def test_a_later_arm_supersedes_one_still_waiting_and_its_release_does_nothing() -> None:
    obs = Obs()
    at = T0 + timedelta(seconds=1)
    first = obs.machine.arm(obs.at(100), "Keynote", boundary_at=at, key="k", transition=None)
    obs.take(first)
    second = obs.machine.arm(obs.at(200), "Break", boundary_at=at, key="b", transition=None)
    dropped = one(obs.take(second), Resolve)
    assert dropped.job == first.job and dropped.record.outcome is SwitchOutcome.SUPERSEDED
    assert obs.take(obs.machine.released(obs.at(1000), first.job or 0)) == []
    assert one(obs.take(obs.machine.released(obs.at(1000), second.job or 0)), SendSwitch).scene == (
        "Break"
    )
