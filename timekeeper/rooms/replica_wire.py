"""The standby's replication, sans I/O: its payloads on the broker and the copy's reassembly.

Owns what goes on the standby's topics (issue 24, docs/standby.md) — an as-run record is
published as its exact line (so a copy made of them is the same file, byte for byte),
the replay request, the standby's presence, the `driver` value and the handover request
— and the two small rules of the stream: `Reassembly` (the standby's side: lines in any
order and with gaps in, lines to write in seq order and the seq to ask again for out) and
`LagWatch` (the driver's side: a standby whose copy stays behind is sent the rest). No
broker, no file, no clock: times are passed in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from timekeeper.core.standby import HANDOVER_REASONS, Handover, Peer, StandbyMachine
from timekeeper.rooms.topics import BEAT, DRIVER, HANDOVER, ONLINE, STANDBY

SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_EARLY = 20_000  # records kept while waiting for a missing one (a whole show's log fits)
AGAIN_AFTER = 1.0  # seconds before the same replay is asked for (or sent) again


def _dumps(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _loads(payload: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ------------------------------------------------------------ as-run lines


def record_of(line: bytes) -> dict[str, Any] | None:
    """The record a log line holds (None: not a record with a seq)."""
    rec = _loads(line)
    return rec if rec is not None and _int(rec.get("seq")) is not None else None


def versions_named(rec: Mapping[str, Any]) -> list[str]:
    """The programme versions (sha256) a record names: the header's, a revision's."""
    if rec.get("record") == "run":
        sha = rec.get("programme_sha256")
    elif rec.get("record") == "revision":
        sha = rec.get("sha256")
    else:
        return []
    return [sha] if isinstance(sha, str) and SHA256.fullmatch(sha) else []


def log_id(header_line: bytes | None) -> str | None:
    """Which log a copy is of: a digest of its header line (every run's header differs)."""
    return hashlib.sha256(header_line).hexdigest()[:16] if header_line else None


# ------------------------------------------------------------ requests and presences


@dataclass(frozen=True)
class ReplayRequest:
    """A standby asks for the records from `from_seq` (of the log `log`) and some versions."""

    from_seq: int
    run_id: str
    log: str | None = None  # the standby's copy's log_id: another log is sent from 0
    programmes: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        data: dict[str, object] = {"from_seq": self.from_seq, "run_id": self.run_id}
        if self.log is not None:
            data["log"] = self.log
        if self.programmes:
            data["programmes"] = list(self.programmes)
        return _dumps(data)

    @classmethod
    def read(cls, payload: bytes) -> ReplayRequest | None:
        data = _loads(payload)
        if data is None:
            return None
        start, run_id, log = _int(data.get("from_seq")), data.get("run_id"), data.get("log")
        shas = data.get("programmes", [])
        if start is None or start < 0 or not isinstance(run_id, str):
            return None
        if not isinstance(shas, list):
            return None
        wanted = tuple(s for s in shas if isinstance(s, str) and SHA256.fullmatch(s))
        return cls(start, run_id, log if isinstance(log, str) else None, wanted)


@dataclass(frozen=True)
class Presence:
    """The standby's presence (retained on `standby`, refreshed every 0.5 s)."""

    run_id: str
    host: str
    pid: int
    armed: bool
    seq: int | None  # the last record its copy holds (None: nothing yet)
    at: str  # this machine's real time, ISO 8601
    obs: bool = False  # it reaches OBS (a driver that lost OBS may hand over to it)

    def to_bytes(self) -> bytes:
        return _dumps(
            {
                "run_id": self.run_id,
                "host": self.host,
                "pid": self.pid,
                "armed": self.armed,
                "seq": self.seq,
                "at": self.at,
                "obs": self.obs,
            }
        )

    @classmethod
    def read(cls, payload: bytes) -> Presence | None:
        data = _loads(payload)  # an empty payload (its last will): None, the standby is gone
        if data is None or not isinstance(data.get("run_id"), str):
            return None
        return cls(
            data["run_id"],
            str(data.get("host", "?")),
            _int(data.get("pid")) or 0,
            data.get("armed") is True,
            _int(data.get("seq")),
            str(data.get("at", "")),
            data.get("obs") is True,
        )


def driver_payload(peer: Peer, at: datetime, log: str | None = None) -> bytes:
    """The retained `driver` value: published when a run begins to drive and on reconnect;
    `log` (log_id) says of which show's log, as epochs count anew with each run's log."""
    data = {"epoch": peer.epoch, "run_id": peer.run_id, "host": peer.host, "pid": peer.pid}
    return _dumps({**data, "at": at.isoformat(), **({"log": log} if log else {})})


def read_driver(payload: bytes, log: str | None = None) -> Peer | None:
    """The driver a `driver` value names; None for junk, and for the driver of another log
    than `log` (yesterday's takeover, still retained, must not fence today's first driver)."""
    data = _loads(payload)
    if data is None:
        return None
    if log is not None and data.get("log") not in (None, log):
        return None
    epoch, run_id = _int(data.get("epoch")), data.get("run_id")
    if epoch is None or epoch < 1 or not isinstance(run_id, str):
        return None
    return Peer(epoch, run_id, str(data.get("host", "?")), _int(data.get("pid")) or 0)


def handover_payload(request: Handover, at: datetime) -> bytes:
    return _dumps(
        {
            "run_id": request.run_id,
            "epoch": request.epoch,
            "seq": request.seq,
            "reason": request.reason,
            "at": at.isoformat(),
        }
    )


def read_handover(payload: bytes) -> Handover | None:
    data = _loads(payload)
    if data is None:
        return None
    epoch, seq = _int(data.get("epoch")), _int(data.get("seq"))
    run_id, reason = data.get("run_id"), data.get("reason")
    if not isinstance(run_id, str) or epoch is None or seq is None:
        return None
    if reason not in HANDOVER_REASONS:
        return None
    return Handover(run_id, epoch, seq, str(reason))


def hear(machine: StandbyMachine, leaf: str, payload: bytes, now: float, log: str | None) -> None:
    """Feed the takeover rules what was heard on one of the room's topics at `now` (`log`:
    the show's log, so another show's retained `driver` value is ignored)."""
    if leaf == BEAT:
        machine.beat(now)
    elif leaf == ONLINE:
        machine.online(payload.strip() == b"true", now)
    elif leaf == DRIVER:
        peer = read_driver(payload, log)
        if peer is not None:
            machine.driver_topic(peer, now)
    elif leaf == HANDOVER:
        request = read_handover(payload)
        if request is not None:
            machine.handover(request, now)
    elif leaf == STANDBY:
        presence = Presence.read(payload)
        if presence is not None:
            machine.standby_presence(presence.run_id, presence.obs, presence.seq, now)


# ------------------------------------------------------------ the stream's rules


@dataclass(frozen=True)
class Fed:
    """What to do after a line arrived: write `ready` in order; ask from `ask_from`."""

    ready: tuple[bytes, ...] = ()
    other_log: bool = False  # its seq 0 is not our header: the copy is of another log
    ask_from: int | None = None


@dataclass
class Reassembly:
    """The standby's copy, in seq order: duplicates dropped, early lines kept, gaps asked for."""

    next_seq: int = 0
    header: bytes | None = None  # line 0 of the copy
    _early: dict[int, bytes] = field(default_factory=dict)
    _asked: tuple[int, float] | None = None  # (from seq, when)

    @property
    def last(self) -> int | None:
        """The last seq the copy holds (None: nothing yet)."""
        return self.next_seq - 1 if self.next_seq > 0 else None

    @property
    def head(self) -> int | None:
        """The highest seq heard of, held or not."""
        return max(self._early, default=self.last)

    def feed(self, line: bytes, seq: int, now: float) -> Fed:
        if seq == 0 and self.header is not None and line != self.header:
            return Fed(other_log=True)
        if seq < self.next_seq:
            return Fed()  # a duplicate (a replay crossing the live stream)
        if seq > self.next_seq:
            if len(self._early) < MAX_EARLY:
                self._early[seq] = line
            return Fed(ask_from=self.gap(now))
        ready = [line]
        self.next_seq += 1
        while self.next_seq in self._early:
            ready.append(self._early.pop(self.next_seq))
            self.next_seq += 1
        self._early = {s: v for s, v in self._early.items() if s >= self.next_seq}
        if seq == 0:
            self.header = line
        return Fed(tuple(ready), ask_from=self.gap(now) if self._early else None)

    def gap(self, now: float, force: bool = False) -> int | None:
        """The seq to ask for again, unless that was asked less than AGAIN_AFTER ago."""
        asked = self._asked
        again = asked is not None and asked[0] == self.next_seq and now - asked[1] < AGAIN_AFTER
        if again and not force:
            return None
        self._asked = (self.next_seq, now)
        return self.next_seq

    def restart(self) -> None:
        """The copy is begun again (it was of another log)."""
        self.next_seq, self.header, self._early, self._asked = 0, None, {}, None


@dataclass
class LagWatch:
    """The driver's side: a standby whose copy has not moved for AGAIN_AFTER while records it
    lacks exist (their messages lost: a broker restart, a dropped connection) is sent them;
    one whose copy is longer than the log is of another log, and is sent it all."""

    _seen: tuple[int | None, float] | None = None  # (its seq, since when unchanged)
    _sent: float | None = None

    def presence(self, seq: int | None, head: int | None, now: float) -> int | None:
        """The seq to send the standby from, or None."""
        if self._seen is None or self._seen[0] != seq:
            self._seen = (seq, now)
        behind = head is not None and (seq is None or seq < head)
        ahead = head is not None and seq is not None and seq > head  # a copy of another log
        if not (behind or ahead) or now - self._seen[1] < AGAIN_AFTER:
            return None
        if self._sent is not None and now - self._sent < AGAIN_AFTER:
            return None
        self._sent = now
        return 0 if seq is None or ahead else seq + 1


def lines_from(data: bytes, start: int) -> Iterable[tuple[int, bytes]]:
    """The complete lines of a log's bytes with seq >= `start`, each with its seq."""
    for raw in data.split(b"\n")[:-1]:  # the part after the last newline is cut off: never sent
        rec = record_of(raw)
        if rec is not None and rec["seq"] >= start:
            yield rec["seq"], raw + b"\n"
