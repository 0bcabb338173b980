"""The keyed output actions' rules alone (`OutputBook`): once and only once per key.

No socket, no event loop, no sleep: OBS's answers are fed in by hand.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsAction
from timekeeper.obs.machine_messages import (
    ActionTimer,
    Command,
    Emit,
    Moment,
    ReadOutput,
    ResolveAction,
    SendAction,
    Step,
)
from timekeeper.obs.output_rules import Done, Failed, OutputBook
from timekeeper.obs.status import ObsState, ObsStatus

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
START = ObsAction.START_STREAMING


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the output rules' tests must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    yield


class Outputs:
    def __init__(self, done: tuple[str, ...] = (), mode: RunMode = RunMode.LIVE) -> None:
        self.book = OutputBook(done_keys=done, retry_after=2.0)
        self.status = ObsStatus(state=ObsState.CONNECTED, mode=mode)
        self.connected = True
        self.kinds: list[str] = []

    def take(self, step: Step) -> list[Command]:
        self.status = step.status
        self.kinds += [c.event.kind for c in step.commands if isinstance(c, Emit)]
        return [c for c in step.commands if not isinstance(c, Emit)]

    def m(self) -> Moment:
        return Moment(T0, self.status, self.connected)

    def run(self, key: str = "open-stream") -> list[Command]:
        return self.take(self.book.run(self.m(), START, key, configured=True))


def test_a_start_is_sent_only_after_reading_that_the_output_is_off() -> None:
    o = Outputs()
    (read,) = o.run()
    assert read == ReadOutput("open-stream", 1, True)
    (send,) = o.take(o.book.output_read(o.m(), "open-stream", 1, Done(active=False)))
    assert send == SendAction("open-stream", 1, START)
    (resolved,) = o.take(o.book.action_replied(o.m(), "open-stream", 1, Done()))
    assert isinstance(resolved, ResolveAction) and resolved.record.outcome == "done"
    assert o.kinds == ["action_sent", "action_done"] and "open-stream" in o.book.done


def test_an_output_already_as_wanted_counts_as_done_without_sending() -> None:
    o = Outputs()
    o.run()
    (resolved,) = o.take(o.book.output_read(o.m(), "open-stream", 1, Done(active=True)))
    assert isinstance(resolved, ResolveAction) and resolved.record.note == "already streaming"


def test_a_key_done_before_is_never_sent_again() -> None:
    o = Outputs(done=("open-stream",))
    (resolved,) = o.run()
    assert isinstance(resolved, ResolveAction) and resolved.record.outcome == "already_done"
    assert o.kinds == ["action_skipped"]


def test_a_timeout_is_retried_later_and_a_late_reply_changes_nothing() -> None:
    o = Outputs()
    o.run()
    o.take(o.book.output_read(o.m(), "open-stream", 1, Done(active=False)))
    (timer,) = o.take(o.book.action_replied(o.m(), "open-stream", 1, Failed("timeout", "slow")))
    assert timer == ActionTimer("open-stream", 1, 2.0)
    (read,) = o.take(o.book.retry(o.m(), "open-stream", 1))
    assert read == ReadOutput("open-stream", 2, True)
    assert o.take(o.book.action_replied(o.m(), "open-stream", 1, Done())) == []  # stale
    assert "open-stream" not in o.book.done


def test_an_action_asked_for_offline_is_sent_after_the_reconnect() -> None:
    o = Outputs()
    o.connected = False
    assert o.run() == [] and o.kinds == ["action_queued"]
    o.connected = True
    assert o.take(o.book.connected(o.m())) == [ReadOutput("open-stream", 1, True)]


def test_a_dress_rehearsal_only_reports_the_action_once() -> None:
    o = Outputs(mode=RunMode.DRESS)
    first, again = o.run(), o.run()
    assert all(
        isinstance(c, ResolveAction) and c.record.outcome == "skipped" for c in first + again
    )
    assert o.kinds == ["action_skipped"]
