"""Building the report model from an as-run log and its programme.

Why rebuild from the operator actions (like a resume) instead of reading the
logged slot events: the replay gives the same figures the dashboard showed
(extensions, cuts, who cut whom, turns) from one source of truth, and the
logged events serve as its check. Owns `build_report`: the header, the slot
and turn rows with their summary notes, and the warnings; the lines read
from OBS and log-health records come from `records`. It must not render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from timekeeper.asrun import versions
from timekeeper.asrun.log import LogContents, LogFormatError
from timekeeper.asrun.replay import logged_steps
from timekeeper.asrun.report.model import Line, Report, SlotRow, TurnRow
from timekeeper.asrun.report.proposals import proposal_lines, with_proposed
from timekeeper.asrun.report.records import (
    RECORD_OFF,
    RECORD_ON,
    STREAM_OFF,
    STREAM_ON,
    action_line,
    action_sources,
    alarms,
    intervals,
    messages,
    obs_commands,
    switches,
)
from timekeeper.asrun.report.text import ZERO, duration, hms, short, signed
from timekeeper.asrun.resume import ActionAt, compare, instant, replay_log
from timekeeper.core.diff import diff
from timekeeper.core.engine import Outcome, ShowState, TurnRecord
from timekeeper.core.programme import Programme, Turn
from timekeeper.programme.difftext import render_diff

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def _actions(
    programme: Programme, records: Sequence[Mapping[str, Any]], played: tuple[ActionAt, ...]
) -> tuple[Line, ...]:
    """The show's actions with who took them, and the OBS commands, in time order."""
    sources = action_sources(records)
    lines = [
        action_line(programme, row, sources[i] if i < len(sources) else None)
        for i, row in enumerate(played)
    ]
    return tuple(sorted(lines + obs_commands(programme, records), key=lambda line: line.at))


def build_report(contents: LogContents, programme: Programme) -> Report:
    """The report of the run in `contents`; `programme` is the one it ran (warns if not)."""
    header = contents.header
    if header is None:
        raise LogFormatError(f"{contents.path} has no run header: there is nothing to report")
    records = contents.records
    warnings = list(contents.warnings)
    file_programme = programme
    kept = _kept(contents, header.programme_sha256, programme)
    if kept is not None:
        programme = kept  # the version the run started with, from beside the log
    elif header.programme_sha256 and programme.digest:  # kept is None: the hashes differ
        warnings.append(
            f"the programme file has changed since this run (log sha256 "
            f"{header.programme_sha256[:12]}…, file {programme.digest[:12]}…): "
            "planned times are those of the file as it is now"
        )
    times = [t for t in (instant(r.get("at")) for r in records) if t is not None]
    log_end = max([header.started_at, *times])
    revisions: list[Line] = []
    last = [programme]

    def version(rec: Mapping[str, Any]) -> Programme:
        sha = str(rec.get("sha256") or "")
        found = _kept(contents, sha, file_programme) or file_programme
        if found is file_programme and sha != file_programme.digest:
            warnings.append(f"programme version {sha[:12]}… is not kept beside the log")
        words = "; ".join(render_diff(diff(last[0], found), last[0], found))
        at = instant(rec.get("at"))
        if at is not None:
            by = str(rec.get("by") or "?")
            text = f"accepted by {by}: {words}"
            revisions.append(Line(at, "revision", text, by=by, detail=words))
        last[0] = found
        return found

    steps = logged_steps(records, version)
    played = replay_log(programme, header.started_at, steps, log_end)
    mismatches, _ = compare(programme, records, played.events)
    warnings += [f"the replay differs from the log: {m}" for m in mismatches]
    warnings += [
        f"an operator action at {hms(programme, a.at)} could not be replayed: {a.refused}"
        for a in played.actions
        if a.refused
    ]
    state = played.state
    programme = state.programme  # the plan as it last stood (history as it ran)
    slots = _slot_rows(state)
    proposals = proposal_lines(records)
    if proposals:
        slots = with_proposed(slots, last[0])  # planned: the file; proposed: as it last stood
    started = next((s.actual_start for s in slots if s.actual_start is not None), None)
    event = programme.event
    return Report(
        title=event.title,
        subtitle=event.subtitle,
        date=f"{event.date.day} {MONTHS[event.date.month - 1]} {event.date.year}",
        venue=event.venue,
        timezone=event.timezone,
        run=_run_words(header.rehearsal, header.mode, header.simulated, header.speed),
        log=contents.path.name,
        programme=programme.source,
        planned_start=programme.start,
        planned_end=programme.slots[-1].end,
        started=started,
        ended=state.ended_at,
        log_end=log_end,
        slots=slots,
        stream=intervals(records, STREAM_ON, STREAM_OFF, "streaming"),
        recording=intervals(records, RECORD_ON, RECORD_OFF, "recording"),
        switches=switches(records),
        alarms=tuple(alarms(programme, records)),
        actions=_actions(programme, records, played.actions),
        messages=tuple(messages(records)),
        warnings=tuple(warnings),
        revisions=tuple(revisions),
        proposals=proposals,
    )


def _kept(contents: LogContents, sha: str | None, programme: Programme) -> Programme | None:
    """The version with this hash: the file if it is that one, else the copy beside the log."""
    if not sha:
        return None
    if sha == programme.digest:
        return programme
    return versions.load(contents.path, sha)


def _run_words(rehearsal: bool, mode: str, simulated: bool, speed: float) -> str:
    if not rehearsal:
        return "live show"
    clock = f", pretend clock ×{speed:g}" if simulated else ""
    return f"rehearsal ({mode}{clock})"


def _slot_rows(state: ShowState) -> tuple[SlotRow, ...]:
    prog, records = state.programme, state.records
    rows: list[SlotRow] = []
    carried: timedelta | None = None  # end delta of the previous slot that ran
    for i, (slot, rec) in enumerate(zip(prog.slots, records, strict=True)):
        cut_by = None
        if rec.outcome is Outcome.CUT:
            cut_by = next(
                (
                    prog.slots[j].title
                    for j in range(i + 1, len(prog.slots))
                    if prog.slots[j].hard and records[j].actual_start == rec.actual_end
                ),
                None,
            )
        turns = tuple(
            _turn_row(slot.id, j, turn, trec, rec.actual_end, rec.live_turn == j)
            for j, (turn, trec) in enumerate(zip(slot.turns, rec.turns, strict=True))
        )
        row = SlotRow(
            index=i + 1,
            id=slot.id,
            title=slot.title,
            hard=slot.hard,
            manual=slot.manual,
            speakers=slot.speaker_names(),
            planned_start=slot.start,
            planned_end=slot.end,
            actual_start=rec.actual_start,
            actual_end=rec.actual_end,
            extension=rec.adjustment,
            outcome=rec.outcome.value,
            ended_by=rec.ended_by,
            cut_by=cut_by,
            turns=turns,
            note="",
        )
        rows.append(_with_note(prog, row, carried))
        if row.actual_end is not None:
            carried = row.actual_end - row.planned_end
    return tuple(rows)


def _turn_row(
    slot_id: str, j: int, turn: Turn, trec: TurnRecord, slot_end: datetime | None, live: bool
) -> TurnRow:
    if trec.actual_start is None:
        outcome = "not reached"
    elif live or trec.actual_end is None:
        outcome = "live"
    elif trec.actual_end == slot_end:
        outcome = "ended with the slot"
    else:
        outcome = "done"
    return TurnRow(
        slot_id, j, turn.speaker, turn.title, turn.duration, trec.actual_start, trec.actual_end,
        outcome,
    )  # fmt: skip


def _with_note(prog: Programme, row: SlotRow, carried: timedelta | None) -> SlotRow:
    """This slot's part of the summary line: only what this slot changed."""
    if row.outcome == Outcome.SKIPPED.value:
        return _replace_note(row, f"{row.title} (skipped)")
    if row.actual_start is None:
        return _replace_note(row, f"{row.title} (not reached)")
    start = short(prog, row.actual_start)
    if row.actual_end is None:
        return _replace_note(row, f"{row.title} {start}– (live when the log ends)")
    notes = []
    delta = row.start_delta
    if delta and delta != carried:
        notes.append(signed(delta))
    length = row.length
    assert length is not None
    if length != row.planned_length or row.outcome == Outcome.CUT.value:
        of = _of(length, row.planned_length)
        notes.append(f"cut, {of}" if row.outcome == Outcome.CUT.value else of)
    if row.extension > ZERO:
        notes.append(f"{signed(row.extension)} extension")
    elif row.extension < ZERO:
        notes.append(f"shortened by {duration(-row.extension)}")
    text = f"{row.title} {start}–{short(prog, row.actual_end)} ({', '.join(notes) or 'on time'})"
    return _replace_note(row, text)


def _replace_note(row: SlotRow, note: str) -> SlotRow:
    return replace(row, note=note)


def _of(actual: timedelta, planned: timedelta) -> str:
    """ "35 of 30 min" when both are whole minutes, else "34:30 of 30:00"."""
    a, p = actual.total_seconds(), planned.total_seconds()
    if a % 60 == 0 and p % 60 == 0:
        return f"{a / 60:.0f} of {p / 60:.0f} min"
    return f"{duration(actual)} of {duration(planned)}"
