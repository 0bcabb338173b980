"""The takeover rules of issue 24, instant by instant (timekeeper/core/standby.py).

Every case of the contract: both quiet, one quiet (a partition), armed, a higher epoch,
an equal-epoch tie, a planned handover waiting for the last record, a handover because
the driver lost OBS; and the pair's view for the dashboards.
"""

from __future__ import annotations

from timekeeper.core.standby import (
    PRESENCE_FRESH,
    TAKEOVER_DELAY,
    Handover,
    Kind,
    Peer,
    StandbyMachine,
    outranks,
)

PRIMARY = Peer(1, "run-a", "laptop-a", 100)


def standby(armed: bool = False, copy: int | None = 10) -> StandbyMachine:
    """A standby listening on both links from t=0, following PRIMARY, its copy at `copy`."""
    m = StandbyMachine("run-b", armed=armed)
    m.broker_link(True, 0.0)
    m.obs_link(True, 0.0)
    m.driver_topic(PRIMARY, 0.0)
    if copy is not None:
        m.copy(copy, 0.0)
    return m


def alive_until(m: StandbyMachine, last: float, *, obs: bool = True, broker: bool = True) -> None:
    """The driver is heard every 0.25 s (OBS) and 0.5 s (beat) up to `last`."""
    t = 0.0
    while t <= last + 1e-9:
        if obs:
            m.announcement(PRIMARY, "driver", t)
        if broker and round(t * 4) % 2 == 0:
            m.beat(t)
        t += 0.25


def test_both_quiet_for_the_delay_takes_over_at_the_next_epoch() -> None:
    m = standby()
    alive_until(m, 5.0)
    assert m.decide(5.5).kind is Kind.FOLLOW
    assert m.decide(5.0 + TAKEOVER_DELAY - 0.01).kind is Kind.FOLLOW
    verdict = m.decide(5.0 + TAKEOVER_DELAY)
    assert verdict.kind is Kind.TAKE_OVER
    assert verdict.epoch == 2


def test_the_delay_is_counted_from_the_last_announcement_even_after_the_last_will() -> None:
    m = standby()
    alive_until(m, 5.0)
    m.online(False, 5.1)  # a killed process: its last will arrives at once
    assert m.decide(5.0 + TAKEOVER_DELAY - 0.1).kind is Kind.FOLLOW  # OBS heard it lately
    assert m.decide(5.0 + TAKEOVER_DELAY).kind is Kind.TAKE_OVER


def test_quiet_on_the_broker_only_is_alive_a_partition_is_no_takeover() -> None:
    m = standby()
    alive_until(m, 10.0, broker=False)  # cut off from the broker, still announcing on OBS
    m.online(False, 6.0)  # its last will, even
    verdict = m.decide(10.2)
    assert verdict.kind is Kind.FOLLOW
    assert "alive on OBS only" in verdict.reason


def test_quiet_on_obs_only_is_alive() -> None:
    m = standby()
    alive_until(m, 10.0, obs=False)
    verdict = m.decide(10.2)
    assert verdict.kind is Kind.FOLLOW
    assert "the broker only" in verdict.reason


def test_quiet_counts_only_from_when_we_listen() -> None:
    """A standby that just reached OBS has not had the time to hear an announcement."""
    m = standby()
    alive_until(m, 5.0)
    m.obs_link(False, 5.5)
    m.obs_link(True, 9.5)
    assert m.decide(10.0).kind is Kind.FOLLOW
    assert m.decide(10.5).kind is Kind.TAKE_OVER


def test_without_our_own_obs_or_broker_nothing_is_decided() -> None:
    m = standby()
    alive_until(m, 1.0)
    m.obs_link(False, 2.0)
    verdict = m.decide(9.0)
    assert verdict.kind is Kind.FOLLOW and "does not reach OBS" in verdict.reason
    m.obs_link(True, 9.0)
    m.broker_link(False, 9.0)
    verdict = m.decide(20.0)
    assert verdict.kind is Kind.FOLLOW and "does not reach the broker" in verdict.reason


def test_no_copy_or_an_ended_show_is_nothing_to_take_over() -> None:
    m = standby(copy=None)
    assert "no copy" in m.decide(30.0).reason
    m.copy(40, 30.0, ended=True)
    verdict = m.decide(30.0)
    assert verdict.kind is Kind.FOLLOW and "ended" in verdict.reason


def test_armed_asks_the_operator_and_only_the_key_takes_over() -> None:
    m = standby(armed=True)
    alive_until(m, 3.0)
    refused = m.take_over_key(3.5)
    assert refused.kind is Kind.REFUSE
    assert "alive on OBS and the broker" in refused.reason
    assert m.decide(4.0).kind is Kind.ASK
    assert m.decide(60.0).kind is Kind.ASK  # it never takes over by itself
    verdict = m.take_over_key(60.0)
    assert verdict.kind is Kind.TAKE_OVER and verdict.epoch == 2
    assert m.decide(60.1).kind is Kind.TAKE_OVER  # until the shell reports it drives


def test_an_old_key_press_does_not_take_over_later() -> None:
    m = standby(armed=True)
    alive_until(m, 3.0)
    assert m.take_over_key(5.0).kind is Kind.TAKE_OVER  # (the shell fails to drive)
    m.beat(6.0)
    m.announcement(PRIMARY, "driver", 6.0)  # the driver is back
    assert m.decide(6.5).kind is Kind.FOLLOW
    assert m.decide(60.0).kind is Kind.ASK  # gone again: the operator is asked again


def test_a_driver_that_hears_a_higher_epoch_stands_down_at_once() -> None:
    m = StandbyMachine("run-a")
    m.obs_link(True, 0.0)
    m.drive(1, 0.0, "laptop-a", 100)
    m.announcement(Peer(1, "run-z"), "standby", 0.5)  # a standby's announcement: no rival
    assert m.decide(1.0).kind is Kind.DRIVE
    m.announcement(Peer(2, "run-b", "laptop-b"), "driver", 1.0)
    verdict = m.decide(1.0)
    assert verdict.kind is Kind.STAND_DOWN
    assert verdict.epoch == 2 and verdict.winner is not None
    assert verdict.winner.run_id == "run-b"
    m.stand_down(1.0)
    assert m.decide(1.5).kind is Kind.FOLLOW


def test_the_driver_topic_fences_too_and_a_lower_epoch_does_not() -> None:
    m = StandbyMachine("run-b")
    m.drive(2, 0.0)
    m.driver_topic(Peer(1, "run-a"), 0.1)  # the old primary, back from a freeze
    m.announcement(Peer(1, "run-a"), "driver", 0.2)
    assert m.decide(0.3).kind is Kind.DRIVE
    m.driver_topic(Peer(3, "run-c"), 0.4)
    assert m.decide(0.4).kind is Kind.STAND_DOWN


def test_equal_epochs_the_smaller_run_id_wins() -> None:
    assert outranks(2, "aaa", 2, "bbb") and not outranks(2, "bbb", 2, "aaa")
    assert outranks(3, "zzz", 2, "aaa")
    small, large = StandbyMachine("run-b"), StandbyMachine("run-c")
    for m in (small, large):
        m.drive(2, 0.0)
    small.announcement(Peer(2, "run-c"), "driver", 0.1)
    large.announcement(Peer(2, "run-b"), "driver", 0.1)
    assert small.decide(0.1).kind is Kind.DRIVE
    assert large.decide(0.1).kind is Kind.STAND_DOWN


def test_a_restarted_driver_is_not_fenced_by_its_own_earlier_run() -> None:
    """Killed and restarted with the same command, a room run resumes its log at epoch 1 and
    finds its earlier run's retained `driver` value (epoch 1, another run id): that is
    itself, not a rival (bench_chaos: every restarted room run stood down to itself). A run
    it does not know at the same epoch still wins by the smaller run id."""
    m = StandbyMachine("run-z", own=frozenset({"run-a"}))
    m.drive(1, 0.0)
    m.driver_topic(Peer(1, "run-a"), 0.1)
    assert m.decide(0.2).kind is Kind.DRIVE
    m.driver_topic(Peer(1, "run-b"), 0.3)
    assert m.decide(0.3).kind is Kind.STAND_DOWN


def test_a_new_driver_that_dies_is_taken_over_despite_the_old_ones_echo() -> None:
    """Announcements of a lower epoch (an old primary not yet stood down) are no liveness."""
    m = standby()
    m.driver_topic(Peer(2, "run-c"), 0.0)
    for i in range(20):
        m.announcement(Peer(1, "run-a"), "driver", i * 0.25)
    m.beat(0.0)
    verdict = m.decide(4.75 + TAKEOVER_DELAY)
    assert verdict.kind is Kind.TAKE_OVER and verdict.epoch == 3


def test_a_planned_handover_waits_for_the_last_record() -> None:
    m = standby(armed=True, copy=40)
    alive_until(m, 5.0)
    m.handover(Handover("run-a", 1, 42, "planned"), 5.0)
    verdict = m.decide(5.0)
    assert verdict.kind is Kind.WAIT and "record 42" in verdict.reason
    m.copy(41, 5.1)
    assert m.decide(5.1).kind is Kind.WAIT
    m.copy(42, 5.2)
    verdict = m.decide(5.2)  # the driver is still alive: it asked; armed or not
    assert verdict.kind is Kind.TAKE_OVER and verdict.epoch == 2
    m.drive(2, 5.2)
    m.announcement(PRIMARY, "driver", 5.3)  # the old driver, until it sees epoch 2
    assert m.decide(5.3).kind is Kind.DRIVE


def test_a_handover_not_completed_in_time_lapses() -> None:
    m = standby(copy=40)
    alive_until(m, 20.0)
    m.handover(Handover("run-a", 1, 42, "planned"), 5.0)
    assert m.decide(9.0).kind is Kind.WAIT
    assert m.decide(11.0).kind is Kind.FOLLOW


def test_a_driver_that_lost_obs_hands_over_to_a_standby_that_reaches_it() -> None:
    m = StandbyMachine("run-a")
    m.obs_link(True, 0.0)
    m.drive(1, 0.0)
    m.head(57, 0.0)
    m.standby_presence("run-b", False, 57, 0.0)
    m.obs_link(False, 1.0)
    m.standby_presence("run-b", False, 57, 2.5)
    assert m.decide(2.5).kind is Kind.DRIVE  # the standby does not reach OBS either
    m.standby_presence("run-b", True, 57, 3.0)
    assert m.decide(3.0).kind is Kind.HAND_OVER
    assert m.decide(3.0).seq == 57
    assert m.decide(5.0).kind is Kind.DRIVE  # its presence is stale: gone
    m.standby_presence("run-b", True, 57, 5.0)
    m.handed_over(5.0)
    assert m.decide(5.1).kind is Kind.DRIVE  # asked once


def test_a_lost_obs_handover_is_taken_at_once_or_asked_when_armed() -> None:
    request = Handover("run-a", 1, 10, "lost_obs")
    auto, armed = standby(), standby(armed=True)
    for m in (auto, armed):
        alive_until(m, 3.0, obs=False)
        m.handover(request, 3.0)
    assert auto.decide(3.0).kind is Kind.TAKE_OVER
    assert armed.decide(3.0).kind is Kind.ASK
    assert armed.take_over_key(3.1).kind is Kind.TAKE_OVER


def test_the_pair_view_shows_who_drives_the_epoch_and_the_lag() -> None:
    driver = StandbyMachine("run-a")
    driver.obs_link(True, 0.0)
    driver.drive(1, 0.0, "laptop-a", 100)
    driver.head(10, 0.0)
    driver.standby_presence("run-b", True, 10, 0.0)
    view = driver.view(0.0)
    assert view.we_drive and view.epoch == 1 and view.standby == "run-b"
    assert (view.lag_records, view.lag_ms) == (0, 0)
    driver.head(13, 1.0)
    driver.standby_presence("run-b", True, 11, 1.2)
    view = driver.view(1.5)
    assert (view.lag_records, view.lag_ms) == (2, 500)
    assert view.heard_on == "broker" and view.heard_ago is not None
    assert abs(view.heard_ago - 0.3) < 1e-9
    driver.standby_presence("run-b", True, 13, 1.6)
    assert (driver.view(1.7).lag_records, driver.view(1.7).lag_ms) == (0, 0)

    follower = standby()
    follower.announcement(PRIMARY, "driver", 2.0)
    view = follower.view(2.25)
    assert not view.we_drive and view.driver == PRIMARY and view.standby == "run-b"
    assert view.heard_on == "OBS" and view.verdict.kind is Kind.FOLLOW


def test_the_driver_shows_a_standby_only_while_it_is_heard() -> None:
    """A standby that died (or took the show and drives now) is no standby: the pair line
    must not show it, nor its copy's lag, a minute later."""
    m = StandbyMachine("run-a")
    m.drive(1, 0.0, "laptop-a", 100)
    m.standby_presence("run-b", True, 5, 1.0)
    assert m.view(1.5).standby == "run-b"
    assert m.view(1.0 + PRESENCE_FRESH + 0.1).standby is None  # no presence since: gone
    m.standby_presence("run-b", True, 6, 10.0)
    assert m.view(10.1).standby == "run-b"
    m.standby_gone()  # its last will
    assert m.view(10.2).standby is None


def test_a_standby_unfit_for_the_copy_s_show_never_takes_it_over_and_says_why() -> None:
    """A dress-rehearsal standby of a dry-run driver would switch scenes the driver never
    switched: the pair says why it will not, and neither the rule nor the key takes over."""
    m = standby()
    m.unfit = "the driver runs a dry rehearsal, this standby a dress rehearsal: it will not"
    alive_until(m, 5.0)
    m.online(False, 5.1)
    verdict = m.decide(5.0 + TAKEOVER_DELAY + 1)
    assert verdict.kind is Kind.FOLLOW and verdict.reason == m.unfit
    assert m.take_over_key(7.0).kind is Kind.REFUSE
    m.unfit = None
    assert m.decide(7.0).kind is Kind.TAKE_OVER
