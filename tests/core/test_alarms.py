"""The alarm kinds have one home (core.alarms): every kind listed is raised somewhere, and
the OBS events, the as-run log's repeats, the report and the dashboard read that list."""

from __future__ import annotations

from datetime import UTC, datetime

from timekeeper.core import alarms
from timekeeper.core.timesync import ClockReport, TimeSync
from timekeeper.obs import announce_rules, events
from timekeeper.obs.event_base import ObsEvent

T0 = datetime(2023, 11, 20, 14, 0, tzinfo=UTC)


def _obs_kinds() -> dict[str, type[ObsEvent]]:
    """Every OBS event class by kind (announce_rules holds the other-timekeeper ones)."""
    found: dict[str, type[ObsEvent]] = {}
    todo: list[type[ObsEvent]] = [ObsEvent]
    while todo:
        cls = todo.pop()
        found[cls.kind] = cls
        todo.extend(cls.__subclasses__())
    return found


def test_every_alarm_kind_listed_is_raised_somewhere() -> None:
    """No ghost kind (an `obs_error` listed in two places was emitted nowhere)."""
    unsynced = ClockReport(T0, TimeSync(False, None, "chronyc")).record()["event"]
    raised = set(_obs_kinds()) | {unsynced}
    assert raised >= alarms.ALARM_KINDS, alarms.ALARM_KINDS - raised


def test_an_obs_event_is_an_alarm_exactly_when_the_list_says_so() -> None:
    other = announce_rules.OtherTimekeeper(T0, "run-1", "booth", 7, "Symposium", "live")
    gone = announce_rules.OtherTimekeeperGone(T0, "run-1", "booth", 7)
    assert other.alarm and not gone.alarm
    listed = {kind for kind in _obs_kinds() if kind in alarms.ALARM_KINDS}
    assert listed == alarms.ALARM_KINDS - {"clock_alarm"}  # the clock check is no OBS event
    assert events.SceneSwitchFailed.kind in listed and "scene_switch_confirmed" not in listed


def test_the_series_data_describes_listed_alarms_only() -> None:
    assert set(alarms.SUBJECT) <= alarms.ALARM_KINDS
    assert alarms.POP_UPS <= alarms.ALARM_KINDS
    for ends, kinds in alarms.RECOVERY.items():
        assert ends not in alarms.ALARM_KINDS and kinds <= set(alarms.SUBJECT)
