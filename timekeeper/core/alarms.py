"""The alarm kinds: every record kind that is an alarm, with its series data, declared once.

A run's alarms come from OBS (`obs.events`), the clock check and the announcement of
other timekeepers; the as-run log keeps them as records named by `kind`. Everyone who
must know whether a kind is an alarm reads it here: the OBS events (`ObsEvent.alarm`),
the run's notices (`show.notices.Notice.alarm`: the dashboard's pop-ups), the as-run
log's repeat merging (`asrun.repeats`) and the report (`asrun.report`). It is a table by
kind name, in the core, because the as-run log (which imports neither OBS nor the notices
above it) reads logs written before by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Alarm:
    """One alarm kind and how it behaves when it repeats and when it is shown."""

    kind: str
    #: repeats of it merge into one line of the log and the screen (asrun.repeats)
    merges: bool = False
    #: the record field telling two series of it apart (None: one series)
    subject: str | None = None
    #: the record kind that ends a series of it
    recovered_by: str | None = None
    #: how a merged series reads: its name and the word for one repeat
    words: tuple[str, str] | None = None
    #: the dashboard pops it up while the show runs (its OBS panel shows the others)
    pops_up: bool = False


ALARMS: tuple[Alarm, ...] = (
    Alarm("obs_connect_failed", merges=True, recovered_by="obs_connected",
          words=("OBS unreachable", "attempts")),
    Alarm("obs_auth_failed", merges=True, recovered_by="obs_connected",
          words=("OBS refused the password", "attempts"), pops_up=True),
    Alarm("obs_disconnected", merges=True, words=("OBS connection lost", "times"),
          pops_up=True),
    Alarm("obs_exiting"),
    Alarm("scene_switch_failed", merges=True, subject="scene",
          recovered_by="scene_switch_confirmed", pops_up=True),
    Alarm("scene_override", merges=True, recovered_by="scene_switch_confirmed", pops_up=True),
    Alarm("scene_missing", pops_up=True),  # a programme scene renamed or removed mid-show
    Alarm("transition_failed", merges=True, subject="transition"),
    Alarm("action_failed", merges=True, subject="key", recovered_by="action_done",
          pops_up=True),
    Alarm("text_failed", merges=True, subject="source", recovered_by="text_set"),
    Alarm("rehearsal_on_live_output", pops_up=True),
    Alarm("other_timekeeper", pops_up=True),  # one show, one driver: another run drives OBS
    Alarm("fenced", pops_up=True),  # a driver of a higher epoch took OBS: this run stopped
    Alarm("clock_alarm"),  # the machine's clock not synchronised, or off by more than 100 ms
)  # fmt: skip

BY_KIND: Mapping[str, Alarm] = {a.kind: a for a in ALARMS}
ALARM_KINDS = frozenset(BY_KIND)
POP_UPS = frozenset(a.kind for a in ALARMS if a.pops_up)
# The kinds that merge, and the subject field that tells two series apart.
SUBJECT: Mapping[str, str | None] = {a.kind: a.subject for a in ALARMS if a.merges}
# What ends a series: the record kind, and the alarm kinds it recovers from.
RECOVERY: Mapping[str, frozenset[str]] = {
    by: frozenset(a.kind for a in ALARMS if a.recovered_by == by)
    for by in dict.fromkeys(a.recovered_by for a in ALARMS if a.recovered_by)
}
WORDS: Mapping[str, tuple[str, str]] = {a.kind: a.words for a in ALARMS if a.words}
