"""The notices of a run in a standby pair (issue 24), one class per kind.

Owns what `app.pair.PairService` reports: the pair line (who drives, the epoch, the copy's
lag, the last word from the other machine) when it changes, a takeover with what it found
on OBS, a run that stands by (fenced, or handed over), a handover asked for, and a key or
API call refused with the reason. The base is `show.notices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from timekeeper.core.standby import PairView
from timekeeper.show.notices import Notice

LAG_SAID = 1000  # ms: a copy behind this long changes the pair notice (a record's flicker not)


def pair_changed(view: PairView, we: str, said: object) -> tuple[object, PairChanged | None]:
    """The pair notice when who drives, the verdict, the standby or a long lag changed since
    `said` (what the last one was about): (what this one is about, the notice or None)."""
    behind = view.lag_ms is not None and view.lag_ms >= LAG_SAID
    about = (view.we_drive, view.driver, view.verdict, view.standby, behind)
    if about == said:
        return said, None
    notice = PairChanged(
        role="driver" if view.we_drive else "standby",
        epoch=view.epoch,
        verdict=view.verdict.kind.value,
        lag_records=view.lag_records,
        message=pair_line(view, we),
    )
    return about, notice


def pair_line(view: PairView, we: str) -> str:
    """The pair in one line, the same on both machines' dashboards and headless streams."""
    driver = view.driver
    if view.we_drive:
        who = f"this run ({we}) drives at epoch {view.epoch}"
    elif driver is not None:
        who = f"STANDBY — {driver.run_id} on {driver.host} drives at epoch {driver.epoch}"
    else:
        who = "STANDBY — no driver heard yet"
    parts = [who]
    if view.we_drive:
        parts.append(f"standby {view.standby}" if view.standby else "no standby heard")
    if view.lag_records is not None and (view.standby or not view.we_drive):
        parts.append(f"lag {view.lag_records} records, {view.lag_ms or 0} ms")
    if view.heard_ago is not None:
        parts.append(f"last word {view.heard_ago:.1f} s ago on {view.heard_on}")
    if not view.we_drive:
        parts.append(view.verdict.reason)
    return " · ".join(parts)


@dataclass(frozen=True)
class PairChanged(Notice):
    """The pair line changed (who drives, the epoch, the verdict, the lag in records)."""

    kind: ClassVar[str] = "pair"
    role: str  # "driver" | "standby"
    epoch: int
    verdict: str  # core.standby.Kind's value
    lag_records: int | None
    message: str


@dataclass(frozen=True)
class Copying(Notice):
    """A standby begins: where the copy of the driver's log is written (its own log's place)."""

    kind: ClassVar[str] = "standby_copy"
    path: str
    armed: bool
    message: str


@dataclass(frozen=True)
class TakenOver(Notice):
    """This run drives now, at `epoch`: what it found on OBS and what it did."""

    kind: ClassVar[str] = "taken_over"
    epoch: int
    reason: str
    seq: int | None  # the last record of the copy it resumed
    found: str  # OBS as read: program scene, stream, recording
    message: str


@dataclass(frozen=True)
class StoodBy(Notice):
    """This run stopped driving: another drives at a higher epoch (or took the handover)."""

    kind: ClassVar[str] = "standing_by"
    epoch: int  # the winner's
    by: str | None  # the winner's run id
    set_aside: str | None  # this run's own log, kept under this name
    message: str


@dataclass(frozen=True)
class HandoverAsked(Notice):
    kind: ClassVar[str] = "handover"
    reason: str  # planned | lost_obs
    seq: int | None
    message: str


@dataclass(frozen=True)
class PairRefused(Notice):
    """A take-over or hand-over key (or API call) that did nothing, and why."""

    kind: ClassVar[str] = "pair_refused"
    action: str
    message: str


@dataclass(frozen=True)
class PairFailed(Notice):
    """Part of a takeover or a stand-down failed (said loudly; the run goes on)."""

    kind: ClassVar[str] = "pair_failed"
    warns: ClassVar[bool] = True
    error: str
