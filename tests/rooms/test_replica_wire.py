"""The replication's rules without a broker: reassembly in seq order, gaps asked for once a
second, a lagging standby sent the rest, and payloads read back (junk refused)."""

from __future__ import annotations

from datetime import UTC, datetime

from timekeeper.core.standby import Handover, Kind, Peer, StandbyMachine
from timekeeper.rooms.replica_wire import (
    LagWatch,
    Presence,
    Reassembly,
    ReplayRequest,
    driver_payload,
    handover_payload,
    hear,
    lines_from,
    read_driver,
    read_handover,
    versions_named,
)

SHA = "ab" * 32


def line(seq: int, kind: str = "event") -> bytes:
    return b'{"record":"%s","seq":%d}\n' % (kind.encode(), seq)


def test_lines_are_written_in_seq_order_whatever_order_they_come_in() -> None:
    stream = Reassembly()
    assert stream.feed(line(0, "run"), 0, 0.0).ready == (line(0, "run"),)
    early = stream.feed(line(2), 2, 0.1)
    assert early.ready == () and early.ask_from == 1  # a gap: ask for it
    assert stream.feed(line(3), 3, 0.2).ask_from is None  # asked less than a second ago
    assert stream.feed(line(3), 3, 1.2).ask_from == 1  # and again after one
    filled = stream.feed(line(1), 1, 1.3)
    assert filled.ready == (line(1), line(2), line(3)) and filled.ask_from is None
    assert stream.feed(line(2), 2, 1.4).ready == ()  # a duplicate (a replay crossing)
    assert (stream.last, stream.head) == (3, 3)


def test_a_seq_0_that_is_not_our_header_is_another_log() -> None:
    stream = Reassembly(next_seq=5, header=line(0, "run"))
    assert stream.feed(line(0, "run"), 0, 0.0).other_log is False
    other = b'{"record":"run","seq":0,"event":"another"}\n'
    assert stream.feed(other, 0, 0.0).other_log is True


def test_a_standby_stuck_behind_for_a_second_is_sent_the_rest_once_a_second() -> None:
    watch = LagWatch()
    assert watch.presence(7, 10, 0.0) is None  # behind, but maybe still arriving
    assert watch.presence(7, 10, 0.5) is None
    assert watch.presence(7, 10, 1.0) == 8
    assert watch.presence(7, 10, 1.5) is None  # just sent
    assert watch.presence(9, 10, 2.0) is None  # it moves: give it time
    assert watch.presence(10, 10, 9.0) is None  # caught up
    assert LagWatch().presence(None, 0, 0.0) is None
    fresh = LagWatch()
    fresh.presence(None, 4, 0.0)
    assert fresh.presence(None, 4, 1.0) == 0  # an empty copy: everything
    other = LagWatch()
    other.presence(50, 4, 0.0)
    assert other.presence(50, 4, 1.0) == 0  # longer than the log: another log's, everything


def test_payloads_read_back_and_junk_is_refused() -> None:
    request = ReplayRequest(4, "run-b", "0123456789abcdef", (SHA,))
    assert ReplayRequest.read(request.to_bytes()) == request
    assert ReplayRequest.read(b'{"from_seq":-1,"run_id":"x"}') is None
    assert ReplayRequest.read(b"not json") is None
    assert ReplayRequest.read(b'{"from_seq":1,"run_id":"x","programmes":["../etc"]}') == (
        ReplayRequest(1, "x")
    )
    presence = Presence("run-b", "laptop-b", 7, True, 12, "2023-11-20T15:00:00+01:00", True)
    assert Presence.read(presence.to_bytes()) == presence
    assert Presence.read(b"") is None  # its last will: gone
    when = datetime(2023, 11, 20, 14, tzinfo=UTC)
    peer = Peer(3, "run-c", "laptop-c", 9)
    assert read_driver(driver_payload(peer, when)) == peer
    assert read_driver(b'{"epoch":0,"run_id":"x"}') is None
    today = driver_payload(peer, when, log="0123456789abcdef")
    assert read_driver(today, log="0123456789abcdef") == peer
    assert read_driver(today, log="fedcba9876543210") is None  # another show's driver
    handover = Handover("run-a", 2, 99, "lost_obs")
    assert read_handover(handover_payload(handover, when)) == handover
    assert read_handover(b'{"run_id":"a","epoch":1,"seq":1,"reason":"whim"}') is None


def test_versions_named_and_complete_lines_only() -> None:
    assert versions_named({"record": "run", "programme_sha256": SHA}) == [SHA]
    assert versions_named({"record": "revision", "sha256": SHA}) == [SHA]
    assert versions_named({"record": "revision", "sha256": "../../x"}) == []
    data = line(0, "run") + line(1) + b'{"record":"event","se'
    assert [seq for seq, _ in lines_from(data, 1)] == [1]


def test_what_is_heard_feeds_the_rules() -> None:
    when = datetime(2023, 11, 20, 14, tzinfo=UTC)
    standby = StandbyMachine("run-b")
    hear(standby, "driver", driver_payload(Peer(1, "run-a"), when, "yesterday"), 0.0, "today")
    assert standby.known is None  # another show's driver, still retained
    hear(standby, "driver", driver_payload(Peer(1, "run-a"), when, "today"), 0.0, "today")
    assert standby.known == Peer(1, "run-a")
    hear(standby, "handover", handover_payload(Handover("run-a", 1, 5), when), 0.0, "today")
    standby.obs_link(True, 0.0)
    standby.copy(3, 0.0)
    assert standby.decide(0.0).kind is Kind.WAIT
    driver = StandbyMachine("run-a")
    driver.drive(1, 0.0)
    driver.head(9, 0.0)
    presence = Presence("run-b", "laptop-b", 7, False, 4, "2023-11-20T15:00:00+01:00", True)
    hear(driver, "standby", presence.to_bytes(), 0.5, None)
    view = driver.view(0.5)
    assert (view.standby, view.lag_records) == ("run-b", 5)
