"""The standby's rules, pure: who drives a room, when a standby takes over, when a driver yields.

Owns the takeover rule of issue 24 (docs/standby.md) as a small machine: observations
with their arrival time in (the driver's beat and `online` on the broker, announcements
heard on OBS with their epoch, the retained `driver` value, a handover request, the
replica's last seq, the operator's "take over" key), verdicts out (`decide(now)`), and a
frozen `PairView` for dashboards. No I/O and no clock: every time is a float of one
monotonic clock passed in as `now` (or `at`), so tests drive it instant by instant.

The rules, in short:
- Fencing by epoch: a higher epoch wins; at equal epochs the smaller run id wins
  (`outranks`). A driver that hears a winner stands down at once.
- A standby takes over when the driver has been quiet on BOTH the broker (no beat for
  `delay`, or `online` false) and OBS (no driver announcement for `delay`); quiet on one
  only is alive (a partition, not a death). Quiet is only evidence while we ourselves
  hear that side: with our own broker link or OBS link down, nothing is decided.
- `armed`: the same condition only asks the operator; the key takes over.
- A handover request (planned, or a driver that lost OBS) is honoured at the request's
  epoch + 1 once the copy holds the request's last seq.

`decide` is a query: the shell acts on a TAKE_OVER and reports back with `drive()`, on a
STAND_DOWN with `stand_down()`, on a HAND_OVER with `handed_over()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# seconds the driver must be quiet on both sides: three announcements missed (one every 0.25 s),
# so that a takeover (the delay + 20-90 ms of work) comes within 1 s of the last one heard
TAKEOVER_DELAY = 0.75
PRESENCE_FRESH = 1.5  # a standby presence (every 0.5 s) older than this is gone
HANDOVER_WITHIN = 5.0  # seconds a handover request stays good
KEY_WITHIN = 5.0  # seconds the operator's "take over" stays good (the shell drives at once)
HANDOVER_REASONS = ("planned", "lost_obs")


def outranks(epoch: int, run_id: str, other_epoch: int, other_run_id: str) -> bool:
    """Whether (epoch, run_id) wins over the other: a higher epoch, or the smaller run id."""
    return epoch > other_epoch or (epoch == other_epoch and run_id < other_run_id)


@dataclass(frozen=True)
class Peer:
    """A timekeeper run as heard: its epoch and who it is."""

    epoch: int
    run_id: str
    host: str = "?"
    pid: int = 0

    def beats(self, other: Peer | None) -> bool:
        return other is None or outranks(self.epoch, self.run_id, other.epoch, other.run_id)


@dataclass(frozen=True)
class Handover:
    """A driver's request to hand the show over: planned, or because it lost OBS."""

    run_id: str  # the driver asking
    epoch: int  # the epoch it drives under
    seq: int  # its last record: the standby drives once its copy holds it
    reason: str = "planned"  # one of HANDOVER_REASONS


class Kind(StrEnum):
    FOLLOW = "follow"  # a standby: the driver is alive, keep copying
    ASK = "ask"  # an armed standby: the driver is gone; the operator's key takes over
    WAIT = "wait"  # a handover: waiting for the copy to hold the driver's last record
    TAKE_OVER = "take_over"  # drive at `epoch` now
    DRIVE = "drive"  # the driver: go on driving
    HAND_OVER = "hand_over"  # the driver lost OBS and a standby reaches it: ask it to drive
    STAND_DOWN = "stand_down"  # a higher epoch drives: stop driving at once, follow it
    REFUSE = "refuse"  # the operator's key: not now, and why


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str
    epoch: int | None = None  # TAKE_OVER: ours to drive at; STAND_DOWN: the winner's
    seq: int | None = None  # HAND_OVER: our last record
    winner: Peer | None = None  # STAND_DOWN: who drives instead


@dataclass(frozen=True)
class PairView:
    """What each dashboard shows of the pair."""

    we_drive: bool
    driver: Peer | None  # who drives (us, when we_drive)
    epoch: int  # the highest epoch known
    standby: str | None  # the standby's run id, when known
    lag_records: int | None  # records the copy lacks (None: unknown)
    lag_ms: int | None  # how long the copy has lacked the oldest of them
    heard_ago: float | None  # seconds since the last word from the other machine
    heard_on: str | None  # "OBS" or "broker"
    verdict: Verdict


@dataclass
class StandbyMachine:
    """One run's view of the pair; `driving` is None while it stands by."""

    run_id: str
    armed: bool = False
    delay: float = TAKEOVER_DELAY
    driving: Peer | None = None
    known: Peer | None = None  # the highest driver heard (the `driver` topic, OBS)
    own: frozenset[str] = frozenset()  # this log's earlier drivers: this run before a restart
    unfit: str | None = None  # why this run must never drive the show it copies (its kind)
    _broker_up: float | None = None  # since when our own broker link is up
    _obs_up: float | None = None  # since when our own OBS link is up
    _obs_down: float | None = None  # since when it is down (after being up, or from the start)
    _beat: float | None = None  # the driver's last beat / online=true on the broker
    _offline: bool = False  # `online` false heard after the last beat
    _announced: float | None = None  # the driver's last announcement on OBS
    _winner: Peer | None = None  # a run that outranks our driving, heard
    _handover: tuple[Handover, float] | None = None
    _copy: int | None = None  # the last seq our copy holds (contiguous)
    _head: int | None = None  # the last seq known to exist
    _behind_since: float | None = None
    _ended: bool = False
    _standby: tuple[str, bool, float] | None = None  # (run id, reaches OBS, heard at)
    _other: tuple[float, str] | None = None
    _asked: float | None = None  # when the operator pressed "take over"
    _handed: bool = False  # we (the driver) asked the standby to take over

    # ------------------------------------------------------------ our own links

    def broker_link(self, up: bool, now: float) -> None:
        if not up:
            self._broker_up = None
        elif self._broker_up is None:
            self._broker_up = now

    def obs_link(self, up: bool, now: float) -> None:
        if not up:
            if self._obs_up is not None or self._obs_down is None:
                self._obs_down = now
            self._obs_up = None
        elif self._obs_up is None:
            self._obs_up, self._obs_down = now, None

    # ------------------------------------------------------------ what is heard

    def beat(self, now: float) -> None:
        """The driver's beat on the broker (or a retained `online` true)."""
        self._beat, self._offline = now, False
        self._heard(now, "broker")

    def online(self, value: bool, now: float) -> None:
        if value:
            self.beat(now)
        else:
            self._offline = True  # its last will (or its goodbye)

    def announcement(self, peer: Peer, role: str, now: float) -> None:
        """An announcement on OBS from another run (`role`: driver | standby | watch)."""
        if peer.run_id == self.run_id or role != "driver":
            return
        self._heard(now, "OBS")
        self._driver_heard(peer)
        if self.known is None or not self.known.beats(peer):
            self._announced = now  # the driver (or a newer one) is alive on OBS

    def driver_topic(self, peer: Peer, now: float) -> None:
        """The retained `driver` value: who drives, at which epoch. Left by this very log's
        earlier run (killed, restarted with the same command), it is this run, not a rival."""
        mine = self.driving is not None and peer.epoch <= self.driving.epoch
        if peer.run_id != self.run_id and not (mine and peer.run_id in self.own):
            self._driver_heard(peer)

    def _driver_heard(self, peer: Peer) -> None:
        if peer.beats(self.known):
            self.known = peer
        if self.driving is not None and peer.beats(self.driving):
            self._winner = peer if peer.beats(self._winner) else self._winner

    def standby_presence(self, run_id: str, reaches_obs: bool, seq: int | None, now: float) -> None:
        """The standby's presence (heard by the driver): who, whether it reaches OBS, its copy."""
        if run_id == self.run_id:
            return
        self._standby = (run_id, reaches_obs, now)
        self._heard(now, "broker")
        self.copy(seq, now)

    def standby_gone(self) -> None:
        """The standby's presence is gone (its last will, or it drives now): none is heard."""
        self._standby = None

    def handover(self, request: Handover, now: float) -> None:
        if request.run_id != self.run_id and request.reason in HANDOVER_REASONS:
            self._handover = (request, now)

    def _heard(self, now: float, where: str) -> None:
        self._other = (now, where)

    # ------------------------------------------------------------ the copy

    def copy(self, seq: int | None, now: float, *, ended: bool = False) -> None:
        """The last seq the standby's copy holds (contiguous); `ended`: the show has ended."""
        self._copy, self._ended = seq, ended or self._ended
        self._lag(now)

    def head(self, seq: int, now: float) -> None:
        """A record `seq` is known to exist (written by the driver, or received out of order)."""
        self._head = seq if self._head is None else max(self._head, seq)
        self._lag(now)

    def _lag(self, now: float) -> None:
        behind = self._head is not None and (self._copy is None or self._copy < self._head)
        if not behind:
            self._behind_since = None
        elif self._behind_since is None:
            self._behind_since = now

    # ------------------------------------------------------------ acting

    def drive(self, epoch: int, now: float, host: str = "?", pid: int = 0) -> None:
        """We drive from now on at `epoch` (the first driver: 1; a takeover: the verdict's)."""
        self.driving = Peer(epoch, self.run_id, host, pid)
        if self.known is None or self.driving.beats(self.known):
            self.known = self.driving
        self._handover, self._asked, self._winner, self._handed = None, None, None, False

    def stand_down(self, now: float) -> None:
        """We stopped driving (a winner was heard): follow it, measuring quiet from now."""
        self.driving, self._winner = None, None
        self._beat = self._announced = now

    def handed_over(self, now: float) -> None:
        """The HAND_OVER request went out: ask only once."""
        self._handed = True

    def take_over_key(self, now: float) -> Verdict:
        """The operator's key (or API): TAKE_OVER if the driver is gone, else REFUSE and why."""
        verdict = self._standby_verdict(now, key=True)
        if verdict.kind is Kind.TAKE_OVER:
            self._asked = now
            return verdict
        return Verdict(Kind.REFUSE, verdict.reason)

    # ------------------------------------------------------------ deciding

    def decide(self, now: float) -> Verdict:
        if self.driving is not None:
            return self._driver_verdict(now)
        key = self._asked is not None and now - self._asked <= KEY_WITHIN
        return self._standby_verdict(now, key=key)

    def _driver_verdict(self, now: float) -> Verdict:
        assert self.driving is not None
        if self._winner is not None:
            w = self._winner
            return Verdict(
                Kind.STAND_DOWN,
                f"{w.run_id} on {w.host} drives at epoch {w.epoch} (ours: {self.driving.epoch}): "
                "standing by",
                epoch=w.epoch,
                winner=w,
            )
        standby, down = self._standby, self._obs_down
        ready = standby is not None and down is not None and not self._handed
        if ready and standby is not None and down is not None and now - down >= self.delay:
            run_id, reaches_obs, heard = standby
            if reaches_obs and now - heard <= PRESENCE_FRESH:
                return Verdict(
                    Kind.HAND_OVER,
                    f"OBS lost for {now - down:.1f} s; {run_id} reaches it: handing over",
                    seq=self._head,
                )
        return Verdict(Kind.DRIVE, f"driving at epoch {self.driving.epoch}")

    def _next_epoch(self) -> int:
        return (self.known.epoch if self.known is not None else 0) + 1

    def _standby_verdict(self, now: float, key: bool) -> Verdict:
        if self._copy is None:
            return Verdict(Kind.FOLLOW, "no copy of the log yet: nothing to take over")
        if self._ended:
            return Verdict(Kind.FOLLOW, "the show has ended: nothing to take over")
        if self.unfit is not None:
            return Verdict(Kind.FOLLOW, self.unfit)
        if self._obs_up is None:
            return Verdict(Kind.FOLLOW, "this machine does not reach OBS: it cannot drive")
        handed = self._handover_verdict(now, key)
        if handed is not None:
            return handed
        if self._broker_up is None:
            return Verdict(
                Kind.FOLLOW, "this machine does not reach the broker: the driver may be alive"
            )
        obs_quiet = self._quiet(now, self._announced, self._obs_up)
        broker_quiet = self._offline or self._quiet(now, self._beat, self._broker_up)
        if not (obs_quiet and broker_quiet):
            if not obs_quiet and not broker_quiet:
                where = "OBS and the broker"
            elif not obs_quiet:
                where = "OBS only (quiet on the broker)"
            else:
                where = "the broker only (quiet on OBS)"
            return Verdict(Kind.FOLLOW, f"the driver is alive on {where}")
        epoch = self._next_epoch()
        if self.armed and not key:
            return Verdict(
                Kind.ASK,
                "the driver is quiet on OBS and the broker: press the key to take over",
                epoch=epoch,
            )
        return Verdict(
            Kind.TAKE_OVER,
            f"the driver is quiet on OBS and the broker: drive at epoch {epoch}",
            epoch=epoch,
        )

    def _quiet(self, now: float, heard: float | None, listening: float) -> bool:
        """Nothing heard for `delay`, counted from when we started listening at the latest."""
        since = max(heard, listening) if heard is not None else listening
        return now - since >= self.delay

    def _handover_verdict(self, now: float, key: bool) -> Verdict | None:
        if self._handover is None:
            return None
        request, at = self._handover
        if now - at > HANDOVER_WITHIN:
            return None
        if self.known is not None and self.known.epoch > request.epoch:
            return None  # someone took over since
        held = self._copy if self._copy is not None else -1
        if held < request.seq:
            return Verdict(
                Kind.WAIT,
                f"handover from {request.run_id}: waiting for record {request.seq} "
                f"(the copy holds {held})",
            )
        epoch = max(request.epoch, self.known.epoch if self.known else 0) + 1
        if request.reason == "lost_obs" and self.armed and not key:
            return Verdict(
                Kind.ASK,
                f"{request.run_id} lost OBS and asks to hand over: press the key",
                epoch=epoch,
            )
        return Verdict(
            Kind.TAKE_OVER,
            f"handover ({request.reason}) from {request.run_id}: drive at epoch {epoch}",
            epoch=epoch,
        )

    # ------------------------------------------------------------ the view

    def view(self, now: float) -> PairView:
        verdict = self.decide(now)
        lag = None
        if self._head is not None:
            lag = self._head - (self._copy if self._copy is not None else -1)
        behind = self._behind_since
        fresh = self._standby is not None and now - self._standby[2] <= PRESENCE_FRESH
        standby = self._standby[0] if self._standby is not None and fresh else None
        if self.driving is None:
            standby = self.run_id
        epochs = [p.epoch for p in (self.driving, self.known) if p is not None]
        lag_ms = None
        if behind is not None:
            lag_ms = round((now - behind) * 1000)
        elif lag is not None:
            lag_ms = 0
        return PairView(
            we_drive=self.driving is not None,
            driver=self.driving if self.driving is not None else self.known,
            epoch=max(epochs, default=0),
            standby=standby,
            lag_records=lag,
            lag_ms=lag_ms,
            heard_ago=now - self._other[0] if self._other is not None else None,
            heard_on=self._other[1] if self._other is not None else None,
            verdict=verdict,
        )


# ------------------------------------------------------------ the epoch in the as-run log


def driving_record(peer: Peer) -> dict[str, object]:
    """The record a run writes to its as-run log when it begins to drive (replicated with the
    rest, so the epoch survives restarts and takeovers)."""
    return {
        "event": "driving",
        "epoch": peer.epoch,
        "run_id": peer.run_id,
        "host": peer.host,
        "pid": peer.pid,
    }


def last_epoch(records: Iterable[Mapping[str, Any]]) -> int:
    """The epoch the log was last driven under (0: none recorded; the first driver takes 1)."""
    epoch = 0
    for rec in records:
        value = rec.get("epoch")
        if rec.get("event") == "driving" and isinstance(value, int) and value > epoch:
            epoch = value
    return epoch
