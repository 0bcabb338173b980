"""Every notice kind is one class, and its headless JSON line is the line it always was.

Each class is checked against the line the run wrote before notices were typed (`at`, then
`event`, then the fields in the order they were given), byte for byte: tests, benches and
supervisors read those lines. A class no row covers fails the last test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from timekeeper.app.pair_notices import (
    Copying,
    HandoverAsked,
    PairChanged,
    PairFailed,
    PairRefused,
    StoodBy,
    TakenOver,
)
from timekeeper.control.notices import (
    OscListening,
    RemoteAction,
    RemoteRefused,
    SurfaceExposed,
)
from timekeeper.rooms.notices import (
    BrokerConnected,
    BrokerLost,
    BrokerPublishing,
    RoomCommandDone,
    RoomCommandRefused,
)
from timekeeper.show import notices as run_notices
from timekeeper.show import programme_notices
from timekeeper.show.changes import ChangeCheck, ChangeKind
from timekeeper.show.notices import (
    AsRunLogFailing,
    AsRunLogOpened,
    AsRunLogWriting,
    ClockAlarm,
    ClockChecked,
    InternalError,
    Notice,
    ObsCommandDone,
    ObsRecord,
    Resumed,
    ServiceFailed,
    ServiceStopFailed,
)
from timekeeper.show.programme_notices import (
    ChangeOffered,
    ProgrammeChanged,
    ProgrammeEdited,
    ProgrammeInvalid,
    ProgrammeRefused,
    ProgrammeSettling,
    ProgrammeUnchanged,
    ProgrammeWatchFailed,
    ProgrammeWatching,
    ProposalAccepted,
    ProposalUndone,
)
from timekeeper.speaker.notices import SpeakerServerStarted

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2023, 11, 20, 15, 0, tzinfo=UTC)
STAMP = "2023-11-20T16:00:00+01:00"  # NOW in the programme's zone, as the line says it
DIFF = {"slots": [{"slot": "panel", "title": "Panel", "changes": ["length"]}], "lines": ["x"]}


def before(event: str, **data: Any) -> dict[str, Any]:
    """The line as the run wrote it before: `Notice(event, {"at": now, **data}).to_json()`."""
    stamped = {"at": STAMP, **data}
    return {"at": stamped.get("at"), "event": event, **stamped}


ROWS: list[tuple[Notice, dict[str, Any]]] = [
    (AsRunLogOpened(at=STAMP, path="runs/x.jsonl", message="runs/x.jsonl | live"),
     before("as_run_log", at=STAMP, path="runs/x.jsonl", message="runs/x.jsonl | live")),
    (Resumed(at="2023-11-20T16:05:00+01:00", path="runs/x.jsonl", message="resumed"),
     before("resumed", at="2023-11-20T16:05:00+01:00", path="runs/x.jsonl", message="resumed")),
    (AsRunLogFailing(error="disk full"), before("as_run_log_failed", error="disk full")),
    (AsRunLogWriting(), before("as_run_log_ok", message="as-run log writing again")),
    (InternalError(where="the director", error="ValueError: x", diagnostics=None),
     before("internal_error", where="the director", error="ValueError: x", diagnostics=None)),
    (ServiceFailed(service="speaker_server", error="port in use"),
     before("speaker_server_failed", error="port in use")),
    (ServiceStopFailed(service="obs", error="not stopped within 1.5 s"),
     before("obs_stop_failed", error="not stopped within 1.5 s")),
    (ObsCommandDone(command="resend", by="keyboard", message="re-sending the live scene"),
     before("obs_command", command="resend", by="keyboard", message="re-sending the live scene")),
    (ObsRecord(name="obs_connected", record={"url": "ws://x", "message": "connected"}),
     before("obs_connected", source="obs", url="ws://x", message="connected")),
    (ObsRecord(name="text_failed", record={"source": "Lower third", "error": "gone"}),
     before("text_failed", source="Lower third", error="gone")),  # a text source's name
    (ClockChecked(synced=True, offset_ms=0.4, source="chrony", message="clock synchronised"),
     before("clock_check", synced=True, offset_ms=0.4, source="chrony",
            message="clock synchronised")),
    (ClockAlarm(synced=False, offset_ms=None, source="none", message="not synchronised"),
     before("clock_alarm", synced=False, offset_ms=None, source="none",
            message="not synchronised")),
    (ProgrammeWatching(path="/p.yaml", message="watching"),
     before("programme_watch", path="/p.yaml", message="watching")),
    (ProgrammeWatchFailed(error="gone"), before("programme_watch_failed", error="gone")),
    (ProgrammeSettling(path="/p.yaml", message="changed"),
     before("programme_settling", path="/p.yaml", message="changed")),
    (ProgrammeInvalid(path="/p.yaml", errors=["p.yaml:3:1: bad"]),
     before("programme_invalid", path="/p.yaml", errors=["p.yaml:3:1: bad"])),
    (ProgrammeRefused(path="/p.yaml", reason="the live slot is gone"),
     before("programme_refused", path="/p.yaml", reason="the live slot is gone")),
    (ProgrammeUnchanged(path="/p.yaml"), before("programme_unchanged", path="/p.yaml")),
    (ProgrammeEdited(path="/p.yaml", lines=["x"], message="not accepted"),
     before("programme_edited", path="/p.yaml", lines=["x"], message="not accepted")),
    (ProgrammeChanged(by="operator", diff=DIFF),
     before("programme_changed", by="operator", **DIFF)),
    (ProposalAccepted(by="keyboard", message="by keyboard: …", proposal={"late": 60}, diff=DIFF),
     before("proposal_accepted", by="keyboard", message="by keyboard: …", proposal={"late": 60},
            **DIFF)),
    (ProposalUndone(by="keyboard", message="by keyboard: back", diff=DIFF),
     before("proposal_undone", by="keyboard", message="by keyboard: back", **DIFF)),
    (RemoteAction(action="next", by="api:companion", message="next: Panel is live"),
     before("remote_action", action="next", by="api:companion", message="next: Panel is live")),
    (RemoteRefused(action="hold", by="osc", message="confirm first"),
     before("remote_refused", action="hold", by="osc", message="confirm first")),
    (OscListening(message="OSC on udp://127.0.0.1:9000"),
     before("osc_listening", message="OSC on udp://127.0.0.1:9000")),
    (SurfaceExposed(surface="control", message="beyond"),
     before("control_exposed", message="beyond")),
    (SurfaceExposed(surface="osc", message="beyond"), before("osc_exposed", message="beyond")),
    (BrokerPublishing(url="mqtt://b", topics="venue/hall/", message="this room publishes"),
     before("broker", url="mqtt://b", topics="venue/hall/", message="this room publishes")),
    (BrokerConnected(url="mqtt://b"), before("broker_connected", url="mqtt://b")),
    (BrokerConnected(url="mqtt://b", back=True), before("broker_back", url="mqtt://b")),
    (BrokerLost(url="mqtt://b", error="refused"),
     before("broker_lost", url="mqtt://b", error="refused")),
    (RoomCommandRefused(reason="not allowed"),
     before("room_command_refused", reason="not allowed")),
    (RoomCommandDone(command="hold", sender="sm", result="held"),
     before("room_command", command="hold", sender="sm", result="held")),
    (SpeakerServerStarted(url="http://127.0.0.1:8765/", control=None),
     before("speaker_server", url="http://127.0.0.1:8765/", control=None)),
    # the standby pair's (issue 24): new kinds, their lines as first written
    (PairChanged(role="standby", epoch=1, verdict="follow", lag_records=0, message="STANDBY"),
     before("pair", role="standby", epoch=1, verdict="follow", lag_records=0,
            message="STANDBY")),
    (Copying(path="runs/x.jsonl", armed=False, message="copying"),
     before("standby_copy", path="runs/x.jsonl", armed=False, message="copying")),
    (TakenOver(epoch=2, reason="quiet", seq=41, found="program Intro", message="TAKEN OVER"),
     before("taken_over", epoch=2, reason="quiet", seq=41, found="program Intro",
            message="TAKEN OVER")),
    (StoodBy(epoch=2, by="run-b", set_aside=None, message="STANDBY"),
     before("standing_by", epoch=2, by="run-b", set_aside=None, message="STANDBY")),
    (HandoverAsked(reason="planned", seq=41, message="handover"),
     before("handover", reason="planned", seq=41, message="handover")),
    (PairRefused(action="take over", message="alive"),
     before("pair_refused", action="take over", message="alive")),
    (PairFailed(error="disk full"), before("pair_failed", error="disk full")),
]  # fmt: skip


@pytest.mark.parametrize(("notice", "line"), ROWS, ids=[json.dumps(r[1]["event"]) for r in ROWS])
def test_each_kind_writes_the_json_line_it_always_wrote(
    notice: Notice, line: dict[str, Any]
) -> None:
    assert json.dumps(notice.to_json(TZ, NOW)) == json.dumps(line)  # keys in order, values too


def test_every_notice_class_is_covered() -> None:
    """A kind added later is added to the rows (its JSON line is a promise to readers)."""
    covered = {type(n) for n, _ in ROWS} | {ChangeOffered}  # an edit: answered, never a line
    every: set[type[Notice]] = set()
    todo: list[type[Notice]] = [Notice]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if not sub.__name__.startswith("_") and sub.__module__.startswith("timekeeper"):
                every.add(sub)
    assert {c.__module__ for c in every} >= {run_notices.__name__, programme_notices.__name__}
    assert every - covered == set()


def test_what_a_notice_declares_on_its_class() -> None:
    """Its alarm data (`core.alarms`), whether the show runs without something, its line."""
    alarm = ObsRecord(name="scene_switch_failed", record={"message": "switch to Panel failed"})
    assert alarm.alarm is not None and alarm.alarm.pops_up and alarm.alarm.subject == "scene"
    assert alarm.line() == "OBS: switch to Panel failed"
    assert alarm.pops_up and not ObsRecord(name="text_failed", record={}).pops_up
    assert ObsRecord(name="scene_switch_confirmed", record={}).alarm is None
    assert ObsRecord(name="output_intent", record={"notify": True}).output_news
    assert ClockAlarm(synced=False, offset_ms=None, source="none", message="x").alarm is not None
    assert (
        ServiceFailed(service="obs", error="x").warns
        and not ObsCommandDone(command="auto", by="osc", message="x").warns
    )
    assert (
        ChangeOffered(check=ChangeCheck(ChangeKind.UNCHANGED, "/p.yaml")).event == "change_offered"
    )
