"""What the OBS panel says, as a value: OBS health readable at a glance.

`describe_obs(status)` turns the controller's frozen ObsStatus into a frozen
ObsView of short styled lines; the panel repaints only when the view changes
(values compare equal frame to frame while nothing happens). While OBS is not
connected, the scene and outputs it last reported are shown as "last known
(hh:mm:ss)" — what OBS showed when the link was lost, not what it shows now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from timekeeper.core.modes import RunMode
from timekeeper.obs.controller import ObsState, ObsStatus, SwitchRecord
from timekeeper.obs.status import Role

if TYPE_CHECKING:
    from timekeeper.core.timesync import ClockReport

OK, WARN, BAD, DIM = "bold green", "bold yellow", "bold red", "dim"


@dataclass(frozen=True)
class ObsView:
    lines: tuple[tuple[str, str], ...]  # (text, style)
    # the programme's scenes OBS does not have, with the closest existing name (the timeline
    # flags the coming slots that need them)
    missing_scenes: tuple[tuple[str, str | None], ...] = ()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for text, style in self.lines:
            yield Text(text, style=style, no_wrap=True, overflow="ellipsis")


def describe_obs(status: ObsStatus, tz: tzinfo = UTC, clock: ClockReport | None = None) -> ObsView:
    """The panel for `status`; instants (the last known state's) in the event's `tz`; the
    machine's clock check `clock` and OBS's round trip on the last line."""
    lines = [_connection(status)]
    role = _role(status)
    if role is not None:
        lines.append(role)
    if status.mode is RunMode.DRY:
        lines.append(("DRY RUN: nothing sent to OBS", WARN))
    elif status.mode is RunMode.DRESS:
        lines.append(("DRESS: scenes only, no stream", WARN))
    if not status.auto_switch:
        lines.append(("AUTO SWITCH OFF (a: on)", BAD))
    for other in status.others:  # one show, one driver: say so while another is heard
        lines.append((f"⚠ {other.describe()}", BAD if other.drives else WARN))
    stale = _stale(status, tz)
    lines.append(_program(status, stale))
    lines.append(_outputs(status, stale is not None))
    if status.alarm:
        lines.append((f"ALARM {status.alarm}", BAD))
    elif status.last_switch is not None:
        lines.append(_switch(status.last_switch))
    if status.missing_scenes:
        lines.append(_missing(status))
    if clock is not None or status.connected:
        lines.append(_clock(clock, status.obs_rtt if status.connected else None))
    missing = tuple((m.scene, m.suggestion) for m in status.missing_scenes)
    return ObsView(tuple(lines), missing)


def with_broker(view: ObsView | None, line: str, healthy: bool) -> ObsView:
    """The panel with the venue broker's line last (`Broker ✓ mqtt://…`, red while away); a
    run without OBS still shows it, under "OBS: not configured"."""
    base = view.lines if view is not None else (("OBS: not configured", DIM),)
    missing = view.missing_scenes if view is not None else ()
    return ObsView((*base, (line, OK if healthy else BAD)), missing)


def with_pair(view: ObsView | None, line: str | None) -> ObsView | None:
    """The panel with the standby pair's line (who drives, epoch, lag) after the first."""
    if line is None:
        return view
    base = view.lines if view is not None else (("OBS: not configured", DIM),)
    missing = view.missing_scenes if view is not None else ()
    style = WARN if line.startswith("STANDBY") else DIM
    return ObsView((base[0], (line, style), *base[1:]), missing)


def _role(status: ObsStatus) -> tuple[str, str] | None:
    """A standby pair's role on this OBS (issue 24): none outside a pair (epoch 0, driving)."""
    if status.role is Role.STANDBY:
        fenced = status.fenced_by
        if fenced is not None:
            return (f"STANDBY — fenced by epoch {fenced.epoch} ({fenced.host})", BAD)
        epoch = f" (driver's epoch {status.epoch})" if status.epoch else ""
        return (f"STANDBY: never changes OBS{epoch}", WARN)
    if status.role is Role.DRIVER and status.epoch:
        return (f"DRIVING at epoch {status.epoch}", OK)
    return None


def _connection(status: ObsStatus) -> tuple[str, str]:
    state = status.state
    if state is ObsState.CONNECTED:
        return (f"OBS ● connected {status.obs_version or ''}".rstrip(), OK)
    if state is ObsState.AUTH_FAILED:
        return ("OBS ✗ wrong password", BAD)
    if state is ObsState.CONNECTING:
        return ("OBS … connecting", WARN)
    attempt = f" (try {status.reconnect_attempt})" if status.reconnect_attempt else ""
    return (f"OBS ✗ DISCONNECTED{attempt}", BAD)


def _stale(status: ObsStatus, tz: tzinfo) -> str | None:
    """hh:mm:ss of the last known state while it is not current (None: current, or none)."""
    if status.connected or status.last_known_at is None:
        return None
    return f"{status.last_known_at.astimezone(tz):%H:%M:%S}"


def _program(status: ObsStatus, stale: str | None = None) -> tuple[str, str]:
    if stale is not None and status.program_scene is not None:
        return (f"Last known ({stale}): {status.program_scene}", DIM)
    if status.override:
        return (f"HAND: {status.program_scene} (r: re-send)", WARN)
    scene = status.program_scene or "?"
    preview = f" · pv {status.preview_scene}" if status.studio_mode and status.preview_scene else ""
    return (f"Program: {scene}{preview}", "" if status.connected else DIM)


def _outputs(status: ObsStatus, stale: bool = False) -> tuple[str, str]:
    def mark(on: bool | None, word: str) -> str:
        return f"{word} ?" if on is None else (f"● {word}" if on else f"{word} off")

    text = f"{mark(status.streaming, 'LIVE' if status.streaming else 'Stream')}  "
    text += mark(status.recording, "REC" if status.recording else "Rec")
    if stale:
        return (f"was {text}", DIM)
    return (text, BAD if status.streaming else "")


def _missing(status: ObsStatus) -> tuple[str, str]:
    """The first programme scene OBS lacks, with the closest name (the timeline says which slot)."""
    first = status.missing_scenes[0]
    hint = f" → {first.suggestion!r}" if first.suggestion else ""
    more = f" +{len(status.missing_scenes) - 1}" if len(status.missing_scenes) > 1 else ""
    return (f"⚠ no scene {first.scene!r}{hint}{more}", WARN)


def _clock(report: ClockReport | None, rtt: float | None) -> tuple[str, str]:
    """`Clock ✓ +0.4 ms · OBS rtt 2 ms`; red when the clock cannot be trusted."""
    obs = "" if rtt is None else f" · OBS rtt {rtt * 1000:.0f} ms"
    if report is None:
        return (f"Clock … checking{obs}", DIM)
    sync = report.sync
    if report.alarm is not None:
        if sync.synced is False:
            return (f"Clock ✗ NOT SYNCED{obs}", BAD)
        return (f"Clock ✗ off {(sync.offset or 0) * 1000:+.0f} ms{obs}", BAD)
    if sync.synced is None:
        return (f"Clock ? sync unknown{obs}", WARN)
    offset = "synced" if sync.offset is None else f"{sync.offset * 1000:+.1f} ms"
    return (f"Clock ✓ {offset}{obs}", "")


def _ms(delta: timedelta | None) -> str:
    return "—" if delta is None else f"{delta.total_seconds() * 1000:.0f} ms"


def _switch(record: SwitchRecord) -> tuple[str, str]:
    if record.ok and record.already:  # (its delay would be the boundary's age, not a switch's)
        return (f"✓ {record.scene} already on program", OK)
    if record.ok:
        return (f"✓ {record.scene} in {_ms(record.confirm_delay)}", OK)
    outcome = record.outcome.value
    if outcome == "pending":
        return (f"… {record.scene} switching", WARN)
    if outcome == "skipped":
        return (f"would switch: {record.scene}", DIM)
    return (f"✗ {record.scene} {outcome}", BAD)
