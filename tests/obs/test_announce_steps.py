"""The announcement rules alone (`AnnounceBook`): periods and CustomEvents in, status,
events and broadcasts out. No socket, no event loop, no sleep."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from timekeeper.obs.announce import (
    GONE_AFTER,
    AnnounceBook,
    OtherTimekeeper,
    OtherTimekeeperGone,
    announcement,
)
from timekeeper.obs.machine_messages import Broadcast, Command, Emit, Moment, Step
from timekeeper.obs.status import ObsState, ObsStatus, RunIdentity

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
US = RunIdentity("run-stage", "stage-pc", 4242, "Symposium", "live")
THEM = RunIdentity("run-other", "laptop", 77, "Symposium", "live")


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the announcement rules' tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


class Book:
    def __init__(self) -> None:
        self.book = AnnounceBook(US)
        self.status = ObsStatus(state=ObsState.CONNECTED)
        self.connected = True

    def take(self, step: Step) -> list[Command]:
        self.status = step.status
        return list(step.commands)

    def m(self) -> Moment:
        return Moment(T0, self.status, self.connected)


def test_another_timekeeper_is_reported_once_and_learns_of_us_at_once() -> None:
    b = Book()
    first = b.take(b.book.heard(b.m(), announcement(THEM)))
    assert isinstance(first[0], Emit) and isinstance(first[0].event, OtherTimekeeper)
    assert first[1] == Broadcast(announcement(US))
    assert b.status.others == (THEM,)
    assert b.take(b.book.heard(b.m(), announcement(THEM))) == []  # heard again: said once


def test_our_own_announcement_and_other_custom_events_are_ignored() -> None:
    b = Book()
    assert b.take(b.book.heard(b.m(), announcement(US))) == []
    assert b.take(b.book.heard(b.m(), {"kind": "a scoreboard"})) == []
    assert b.status.others == ()


def test_a_timekeeper_not_heard_for_a_while_is_gone_but_silence_offline_does_not_count() -> None:
    b = Book()
    b.take(b.book.heard(b.m(), announcement(THEM)))
    b.connected = False
    for _ in range(GONE_AFTER + 3):
        assert b.take(b.book.tick(b.m())) == []  # nothing sent, nobody forgotten
    b.connected = True
    for _ in range(GONE_AFTER):
        assert b.take(b.book.tick(b.m())) == [Broadcast(announcement(US))]
    last = b.take(b.book.tick(b.m()))
    assert isinstance(last[0], Emit) and isinstance(last[0].event, OtherTimekeeperGone)
    assert b.status.others == ()
