"""Where each talk is in the recordings: an as-run log's instants turned into file offsets.

Owns `find_cuts`: the recordings OBS made during a run (`record_started` …
`record_stopped`, one file each, across restarts of timekeeper and of OBS),
the spans each slot was live (`slot_started` — or `back` to it — until the
next slot, its end or the show's end; a slot gone back to has several), the instant its picture
really changed (OBS's `scene_switch_confirmed` for the slot's boundary, else
the boundary), and the real time of day of each show-clock instant (a
rehearsal on a pretend clock runs `speed` times faster than the file). It
reads records only: no files, no ffmpeg (that is `split`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from timekeeper.asrun.replay import instant

RECORD_ON = {"record_started", "recording_started"}
RECORD_OFF = {"record_stopped", "recording_stopped"}
SLOT_OPENS = {"slot_started", "back"}  # `back` names the slot gone back to: live again
SLOT_CLOSES = {"slot_ended", "slot_skipped", "show_ended"}
# A confirmation this long after its boundary is not the boundary's picture change
# (a re-sent scene after a reconnect, say): the boundary itself is used instead.
MAX_SWITCH_DELAY = timedelta(seconds=2)


@dataclass(frozen=True)
class Clocks:
    """Show clock -> real time of day: the header's anchor, and each resume's."""

    speed: float
    anchors: tuple[tuple[datetime, datetime], ...]  # (show, real), in order

    def real(self, show: datetime) -> datetime:
        if self.speed == 1.0 and not self.anchors:
            return show
        anchor_show, anchor_real = self.anchors[0]
        for a_show, a_real in self.anchors:
            if a_show <= show:
                anchor_show, anchor_real = a_show, a_real
        return anchor_real + (show - anchor_show) / self.speed


@dataclass(frozen=True)
class Recording:
    """One file OBS wrote: real instants of its first frame and of its stop."""

    path: str | None  # None: the log never said (OBS stopped without telling us)
    start: datetime
    stop: datetime | None
    last_path: str | None = None  # the file OBS named at the stop, when another: it split

    def contains(self, at: datetime) -> bool:
        return self.start <= at and (self.stop is None or at < self.stop)


@dataclass(frozen=True)
class Span:
    """A slot live from `start` to `end` (real time of day, picture changes)."""

    slot: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Cut:
    """One piece of one slot in one recording: offsets in seconds from the file's start."""

    slot: str
    part: int  # 1, 2, … when a slot spans several files or was gone back to
    path: str | None
    inpoint: float
    outpoint: float
    start: datetime  # real time of day of the in and out points
    end: datetime

    @property
    def duration(self) -> float:
        return self.outpoint - self.inpoint


@dataclass(frozen=True)
class Cuts:
    cuts: tuple[Cut, ...]
    recordings: tuple[Recording, ...]
    not_recorded: tuple[str, ...]  # slots live while nothing recorded
    warnings: tuple[str, ...] = field(default=())


def clocks(header: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> Clocks:
    """The run's clocks: live on the real clock, or a pretend clock anchored at each (re)start."""
    speed = header.get("speed")
    speed = float(speed) if isinstance(speed, int | float) and speed > 0 else 1.0
    if not header.get("simulated"):
        return Clocks(1.0, ())
    anchors = []
    start, real = instant(header.get("started_at")), instant(header.get("real_started_at"))
    if start is not None and real is not None:
        anchors.append((start, real))
    for rec in records:
        if rec.get("record") == "resume":
            at, real_at = instant(rec.get("at")), instant(rec.get("real_at"))
            if at is not None and real_at is not None:
                anchors.append((at, real_at))
    if not anchors:
        return Clocks(1.0, ())
    return Clocks(speed, tuple(anchors))


def recordings(records: Sequence[Mapping[str, Any]], real: Clocks) -> list[Recording]:
    """The files OBS recorded, from its output events (a start while one runs is the same file,
    unless OBS went away in between). A file's first frame is taken to be OBS's start event:
    OBS 29 writes it 0–2 frames later (`align` measures that in the picture)."""
    out: list[Recording] = []
    opened: datetime | None = None  # real time of day of the first frame
    path: str | None = None
    lost: datetime | None = None

    def close(stop: datetime | None, last: str | None = None) -> None:
        assert opened is not None
        split = last if last is not None and path is not None and last != path else None
        out.append(Recording(path, opened, real.real(stop) if stop else None, split))

    for rec in records:
        kind, at = rec.get("event"), instant(rec.get("at"))
        if at is None:
            continue
        if kind == "obs_disconnected" and opened is not None:
            lost = lost or at
        elif kind in RECORD_ON:
            if opened is not None and lost is None:
                path = path or _path(rec)
                continue  # the same recording, reported again at a reconnect
            if opened is not None:  # OBS went away recording and records anew
                close(lost or at)
            opened, path, lost = real.real(at), _path(rec), None
        elif kind in RECORD_OFF and opened is not None:
            path = path or _path(rec)  # OBS 29 names it at the start; older ones at the stop
            close(at, _path(rec))
            opened, path, lost = None, None, None
        elif kind == "record_file_changed" and opened is not None:  # a split file
            close(at)
            opened, path = real.real(at), _path(rec)
    if opened is not None:
        close(lost)
    return out


def spans(records: Sequence[Mapping[str, Any]], real: Clocks) -> list[Span]:
    """When each slot was live, its edges moved to OBS confirming the slot's scene."""
    confirmed: dict[datetime, datetime] = {}
    for rec in records:
        if rec.get("event") == "scene_switch_confirmed" and not rec.get("already"):
            boundary, at = instant(rec.get("boundary_at")), instant(rec.get("at"))
            if boundary is not None and at is not None and at - boundary <= MAX_SWITCH_DELAY:
                confirmed.setdefault(boundary, at)
    out: list[Span] = []
    live: tuple[str, datetime] | None = None
    for rec in records:
        kind, at = rec.get("event"), instant(rec.get("at"))
        if at is None or rec.get("record") != "event":
            continue
        if kind in SLOT_OPENS or kind in SLOT_CLOSES:
            edge = real.real(confirmed.get(at, at))
            if live is not None and (kind in SLOT_OPENS or rec.get("slot") in (live[0], None)):
                out.append(Span(live[0], live[1], edge))
                live = None
            if kind in SLOT_OPENS and isinstance(rec.get("slot"), str):
                live = (str(rec["slot"]), edge)
    if live is not None:
        out.append(Span(live[0], live[1], None))
    return [s for s in out if s.end is None or s.end > s.start]


def find_cuts(
    header: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    *,
    leave_out: Iterable[str] = (),
) -> Cuts:
    """Each slot's pieces in the recordings (slots in `leave_out` — do_not_record — skipped)."""
    real = clocks(header, records)
    files = recordings(records, real)
    skip = set(leave_out)
    cuts: list[Cut] = []
    parts: dict[str, int] = {}
    unrecorded: list[str] = []
    warnings: list[str] = []
    for span in spans(records, real):
        if span.slot in skip:
            continue
        pieces = 0
        for rec in files:
            start = max(span.start, rec.start)
            ends = [e for e in (span.end, rec.stop) if e is not None]
            if not ends:
                warnings.append(
                    f"{span.slot} was live when the log ends and the recording had not "
                    "stopped: its cut ends with the file"
                )
            end = min(ends) if ends else None
            if end is not None and end <= start:
                continue
            if end is None:
                continue
            pieces += 1
            parts[span.slot] = parts.get(span.slot, 0) + 1
            cuts.append(
                Cut(
                    span.slot,
                    parts[span.slot],
                    rec.path,
                    _seconds(start - rec.start),
                    _seconds(end - rec.start),
                    start,
                    end,
                )
            )
        if not pieces and span.slot not in unrecorded:
            unrecorded.append(span.slot)
    for rec in files:
        if rec.path is None:
            warnings.append(
                f"the recording OBS started at {rec.start.isoformat()} has no file in the log "
                "(OBS went away before it said): look in OBS's recording folder"
            )
    recorded = {c.slot for c in cuts}
    return Cuts(
        tuple(cuts),
        tuple(files),
        tuple(s for s in unrecorded if s not in recorded),
        tuple(warnings),
    )


def _path(rec: Mapping[str, Any]) -> str | None:
    value = rec.get("path")
    return value if isinstance(value, str) and value else None


def _seconds(delta: timedelta) -> float:
    """To the millisecond, half up (no float rounding of .0005)."""
    return ((delta // timedelta(microseconds=1)) + 500) // 1000 / 1000
