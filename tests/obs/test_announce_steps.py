"""The announcement rules alone (`AnnounceBook`): periods and CustomEvents in, status,
events and broadcasts out. No socket, no event loop, no sleep."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from timekeeper.obs.announce import (
    GONE_AFTER,
    AnnounceBook,
    Fenced,
    OtherTimekeeper,
    OtherTimekeeperGone,
    OtherTimekeeperNoted,
    announcement,
    driver_quiet_for,
    heard,
)
from timekeeper.obs.announce_rules import LEASE, LISTEN, lease_fresh
from timekeeper.obs.machine_messages import Broadcast, Command, Emit, Moment, StandDown, Step
from timekeeper.obs.status import ObsState, ObsStatus, Role, RunIdentity

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
US = RunIdentity("run-stage", "stage-pc", 4242, "Symposium", "live")
THEM = RunIdentity("run-other", "laptop", 77, "Symposium", "live")


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the announcement rules' tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


def unnumbered(command: Command) -> Command:
    if isinstance(command, Broadcast):
        return Broadcast({k: v for k, v in command.data.items() if k != "n"})
    return command


class Book:
    def __init__(self, us: RunIdentity = US) -> None:
        self.book = AnnounceBook(us)
        self.status = ObsStatus(state=ObsState.CONNECTED)
        self.connected = True
        self.mono = 100.0  # real seconds, moved by hand

    def take(self, step: Step) -> list[Command]:
        """The step's commands, each announcement without its number (`n`, see test_lease)."""
        self.status = step.status
        return [unnumbered(c) for c in step.commands]

    def m(self) -> Moment:
        return Moment(T0, self.status, self.connected)


def test_another_timekeeper_is_reported_once_and_learns_of_us_at_once() -> None:
    b = Book()
    first = b.take(b.book.heard(b.m(), announcement(THEM), b.mono))
    assert isinstance(first[0], Emit) and isinstance(first[0].event, OtherTimekeeper)
    assert first[1] == Broadcast(announcement(US))
    assert b.status.others == (THEM,)
    assert b.take(b.book.heard(b.m(), announcement(THEM), b.mono)) == []  # said once


def test_our_own_announcement_and_other_custom_events_are_ignored() -> None:
    b = Book()
    assert b.take(b.book.heard(b.m(), announcement(US), b.mono)) == []
    assert b.take(b.book.heard(b.m(), {"kind": "a scoreboard"}, b.mono)) == []
    assert b.status.others == ()


def test_a_timekeeper_not_heard_for_a_while_is_gone_but_silence_offline_does_not_count() -> None:
    b = Book()
    b.take(b.book.heard(b.m(), announcement(THEM), b.mono))
    b.connected = False
    for _ in range(5):
        b.mono += GONE_AFTER
        assert b.take(b.book.tick(b.m(), b.mono)) == []  # nothing sent, nobody forgotten
    b.connected = True
    b.take(b.book.announce(b.m(), b.mono))  # the reconnect: silence counts from here
    for _ in range(40):  # a driver's period, 0.25 s, for GONE_AFTER seconds: still there
        b.mono += GONE_AFTER / 40
        assert b.take(b.book.tick(b.m(), b.mono)) == [Broadcast(announcement(US))]
    b.mono += 0.25
    last = b.take(b.book.tick(b.m(), b.mono))
    assert isinstance(last[0], Emit) and isinstance(last[0].event, OtherTimekeeperGone)
    assert b.status.others == ()


def test_the_gone_alarm_is_time_based_so_a_fast_period_does_not_make_it_jumpy() -> None:
    """Forty periods of a quarter second with one announcement of the other in between (a
    standby's, every second) never count it gone: silence is measured in seconds."""
    b = Book()
    standby = replace(THEM, role=Role.STANDBY)
    for period in range(40):
        if period % 4 == 0:
            b.take(b.book.heard(b.m(), announcement(standby), b.mono))
        b.mono += 0.25
        commands = b.take(b.book.tick(b.m(), b.mono))
        assert not any(isinstance(c, Emit) for c in commands)
    assert b.status.others == (standby,)


def test_the_announcement_carries_epoch_and_role_and_an_old_one_reads_as_a_driver_of_epoch_0() -> (
    None
):
    standby = replace(THEM, epoch=3, role=Role.STANDBY)
    data = announcement(standby)
    assert (data["epoch"], data["role"]) == (3, "standby")
    assert heard(data) == standby
    old = {k: v for k, v in announcement(THEM).items() if k not in ("epoch", "role")}
    assert heard(old) == replace(THEM, epoch=0, role=Role.DRIVER)
    assert heard({**data, "epoch": -1}) is None and heard({**data, "role": "boss"}) is None
    dry = AnnounceBook(replace(US, mode="dry_run"))
    assert dry.identity.role is Role.WATCH  # a dry run announces that it only watches


def test_the_standby_sees_when_the_driver_was_last_heard_and_how_long_it_is_quiet() -> None:
    b = Book(replace(US, role=Role.STANDBY, epoch=1))
    b.take(b.book.announce(b.m(), b.mono))  # connected at 100.0
    assert driver_quiet_for(b.status, b.mono + 0.4) == pytest.approx(0.4)  # none heard yet
    b.mono = 101.0
    driver = replace(THEM, epoch=1)
    b.take(b.book.heard(b.m(), announcement(driver), b.mono))
    heard_driver = b.status.driver_heard
    assert heard_driver is not None
    assert (heard_driver.run_id, heard_driver.epoch, heard_driver.at) == ("run-other", 1, T0)
    assert driver_quiet_for(b.status, 101.9) == pytest.approx(0.9)
    # a standby's announcement is not the driver's: the driver stays quiet
    b.take(b.book.heard(b.m(), announcement(replace(THEM, run_id="r3", role=Role.STANDBY)), 102))
    assert driver_quiet_for(b.status, 102.0) == pytest.approx(1.0)
    # cut off from OBS, the standby cannot tell; back, silence counts from the reconnect
    b.take(b.book.lost(b.m()))
    b.status = replace(b.status, state=ObsState.DISCONNECTED)
    assert driver_quiet_for(b.status, 105.0) is None
    b.status = replace(b.status, state=ObsState.CONNECTED)
    b.take(b.book.announce(b.m(), 110.0))
    assert driver_quiet_for(b.status, 110.5) == pytest.approx(0.5)


def test_a_driver_hearing_a_higher_epoch_stands_down_at_once_and_says_so() -> None:
    b = Book(replace(US, epoch=1))
    b.take(b.book.become(b.m(), Role.DRIVER, 1, b.mono))
    newer = replace(THEM, epoch=2)
    commands = b.take(b.book.heard(b.m(), announcement(newer), b.mono))
    fenced = [c.event for c in commands if isinstance(c, Emit) and isinstance(c.event, Fenced)]
    assert fenced and (fenced[0].epoch, fenced[0].by, fenced[0].own_epoch) == (2, "run-other", 1)
    assert StandDown(2, "run-other") in commands
    assert b.status.role is Role.STANDBY and b.status.fenced_by == newer
    assert b.book.identity.role is Role.STANDBY  # and announces so from now
    assert Broadcast(announcement(replace(US, epoch=1, role=Role.STANDBY))) in commands


@pytest.mark.parametrize(
    ("ours", "theirs", "stands_down"),
    [
        (replace(US, epoch=2), replace(THEM, epoch=1), False),  # an old primary, come back
        (replace(US, epoch=2), replace(THEM, epoch=2, role=Role.STANDBY), False),  # not a driver
        (replace(US, epoch=2), replace(THEM, epoch=3, mode="dry_run"), False),  # a dry run
        (replace(US, epoch=0), replace(THEM, epoch=5), False),  # a run outside a pair
        # two standbys took over at once (equal epochs): the smaller run id drives
        (replace(US, run_id="b-run", epoch=2), replace(THEM, run_id="a-run", epoch=2), True),
        (replace(US, run_id="a-run", epoch=2), replace(THEM, run_id="b-run", epoch=2), False),
    ],
)
def test_who_stands_down(ours: RunIdentity, theirs: RunIdentity, stands_down: bool) -> None:
    b = Book(ours)
    b.take(b.book.become(b.m(), Role.DRIVER, ours.epoch, b.mono))
    commands = b.take(b.book.heard(b.m(), announcement(theirs), b.mono))
    assert any(isinstance(c, StandDown) for c in commands) is stands_down
    assert (b.status.role is Role.STANDBY) is stands_down


def test_a_standby_heard_is_no_alarm_until_it_takes_over() -> None:
    b = Book()
    standby = replace(THEM, epoch=1, role=Role.STANDBY)
    first = b.take(b.book.heard(b.m(), announcement(standby), b.mono))
    [note] = [c.event for c in first if isinstance(c, Emit)]
    assert isinstance(note, OtherTimekeeperNoted) and not note.alarm
    assert "stands by on this OBS (epoch 1)" in note.message
    assert b.take(b.book.heard(b.m(), announcement(standby), b.mono)) == []
    took_over = b.take(
        b.book.heard(b.m(), announcement(replace(standby, role=Role.DRIVER, epoch=2)), b.mono)
    )
    [alarm] = [c.event for c in took_over if isinstance(c, Emit)]
    assert type(alarm) is OtherTimekeeper and alarm.alarm and alarm.epoch == 2


def test_a_pair_driver_may_change_obs_only_while_obs_echoes_it_recently() -> None:
    """The lease: after a freeze the driver's old echo, read late, renews nothing; a fresh
    announcement's echo does, and comes after whatever OBS relayed before it."""
    b = Book(replace(US, epoch=1))
    b.take(b.book.become(b.m(), Role.DRIVER, 1, 99.0))
    b.take(b.book.announce(b.m(), 100.0))
    assert lease_fresh(b.status, 100.0) is False  # a pair's driver: no echo yet
    [sent] = [c for c in b.book.tick(b.m(), 100.25).commands if isinstance(c, Broadcast)]
    b.take(b.book.heard(b.m(), dict(sent.data), 100.26))  # our own, back from OBS
    assert not lease_fresh(b.status, 100.26)  # connected at 100.0: it listens LISTEN first
    assert lease_fresh(b.status, 100.0 + LISTEN) and lease_fresh(b.status, 100.25 + LEASE)
    assert not lease_fresh(b.status, 100.25 + LEASE + 0.01)
    # frozen for 5 s: the echo of the announcement sent just before is read only now
    [late] = [c for c in b.book.tick(b.m(), 100.5).commands if isinstance(c, Broadcast)]
    b.take(b.book.heard(b.m(), dict(late.data), 105.5))
    assert not lease_fresh(b.status, 105.5)  # it was sent 5 s ago: no lease
    [renew] = [c for c in b.book.renew(b.m(), 105.5).commands if isinstance(c, Broadcast)]
    b.take(b.book.heard(b.m(), dict(renew.data), 105.51))
    assert lease_fresh(b.status, 105.51)
    # drive under a new epoch: no request until OBS has relayed (echoed) that epoch
    drive = b.book.become(b.m(), Role.DRIVER, 2, 105.6)
    b.status = drive.status
    assert not lease_fresh(b.status, 105.6)
    [told] = [c for c in drive.commands if isinstance(c, Broadcast)]
    b.take(b.book.heard(b.m(), dict(told.data), 105.61))
    assert lease_fresh(b.status, 105.61)
    b.take(b.book.lost(b.m()))
    assert not lease_fresh(b.status, 105.61)  # cut off from OBS: no lease
    assert lease_fresh(replace(b.status, epoch=0), 999.0)  # a run outside a pair: no fence


def test_a_standby_hearing_its_driver_is_no_alarm_but_a_driver_hearing_a_driver_is() -> None:
    standby = Book(replace(US, epoch=1, role=Role.STANDBY))
    [note] = [
        c.event
        for c in standby.take(standby.book.heard(standby.m(), announcement(THEM), 1.0))
        if isinstance(c, Emit)
    ]
    assert isinstance(note, OtherTimekeeperNoted) and not note.alarm
    driver = Book(US)
    [alarm] = [
        c.event
        for c in driver.take(driver.book.heard(driver.m(), announcement(THEM), 1.0))
        if isinstance(c, Emit)
    ]
    assert type(alarm) is OtherTimekeeper and alarm.alarm
