"""The words and numbers the panels show, computed without a terminal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.core.test_countdown_vectors import load_cases
from tests.core.test_limits import qa_three_minutes_late
from tests.factories import AMS, at, seed
from timekeeper.core.engine import Action, ActionKind, ShowEvent, apply, new_show
from timekeeper.core.modes import RunMode
from timekeeper.core.status import Status, evaluate
from timekeeper.show.notices import ServiceFailed
from timekeeper.speaker.notices import SpeakerServerStarted
from timekeeper.ui import eventtext, views
from timekeeper.ui import format as fmt

INFO = views.ShowInfo(title="Seed", tz=AMS)


def status_at(hhmm: str, *actions: tuple[str, Action]) -> Status:
    state = new_show(seed(), at("15:00"))
    for when, action in actions:
        state, _ = apply(state, action, at(when))
    return evaluate(state, at(hhmm))


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: f"{c['remaining']}s")
def test_dashboard_countdown_follows_the_shared_table(case: dict[str, Any]) -> None:
    remaining = timedelta(milliseconds=round(case["remaining"] * 1000))
    assert fmt.countdown(remaining) == case["text"], case["why"]


def test_lateness_words() -> None:
    assert fmt.lateness(timedelta(0)) == ("ON TIME", "ontime")
    assert fmt.lateness(timedelta(minutes=3, seconds=12)) == ("+3:12 LATE", "late")
    assert fmt.lateness(-timedelta(minutes=1, seconds=5)) == ("−1:05 EARLY", "early")


def test_far_away_has_days() -> None:
    assert fmt.far(timedelta(days=2, hours=3, minutes=15)) == "2 d 03:15:00"
    assert fmt.far(timedelta(hours=3, minutes=15)) == "3:15:00"


def test_header_is_late_when_the_next_slot_is() -> None:
    status = status_at("16:00", ("15:40", Action(ActionKind.EXTEND, minutes=6)))
    header = views.header_view(status, INFO)
    assert (header.status, header.kind) == ("+6:00 LATE", "late")
    assert header.clock == "16:00:00"


def test_header_after_the_show_uses_the_end_delta() -> None:
    status = status_at("18:40", ("18:00", Action(ActionKind.EXTEND, minutes=2)))
    assert views.header_view(status, INFO).status == "ENDED +2:00 LATE"


def test_pretend_clock_is_labelled() -> None:
    info = views.ShowInfo(
        "Seed", AMS, rehearsal=True, simulated=True, run_mode=RunMode.DRESS, speed=60
    )
    assert views.header_view(status_at("16:00"), info).clock == "pretend 16:00:00"
    banner = views.banner_view(info).text
    assert banner.startswith("REHEARSAL ×60 — DRESS REHEARSAL")
    assert "never start" in banner


def test_live_show_has_no_banner() -> None:
    assert views.banner_view(INFO).text == ""


def test_between_slots_counts_down_to_the_next() -> None:
    status = status_at("15:50", ("15:40", Action(ActionKind.EXTEND, minutes=-30)))
    view = views.live_view(status, INFO)
    assert view.heading == "BETWEEN SLOTS" and view.title == "Next: Panel"
    assert view.digits == "20:00" and view.caption[1] == "at 16:10:00"
    assert "Keynote ended 15:40:00" in view.detail


def test_started_early_reads_minus() -> None:
    status = status_at("15:34", ("15:33", Action(ActionKind.NEXT)))  # the keynote, 2 min early
    view = views.live_view(status, INFO)
    assert view.heading == "LIVE 2/5" and view.detail.endswith("(−2:00)")


def test_timeline_rows_show_planned_expected_actual() -> None:
    status = status_at("16:20", ("15:40", Action(ActionKind.EXTEND, minutes=6)))
    rows = {row.key: row for row in views.timeline_rows(status, INFO)}
    assert rows["keynote"].cells[:5] == ("Keynote", "15:35", "", "15:35:00", "41m")
    assert rows["panel"].state == "live" and rows["panel"].cells[6] == "+6:00"
    assert rows["qa"].cells[2] == "17:16:00" and rows["qa"].state == "next"


def test_a_coming_slot_whose_scene_obs_lacks_is_flagged_with_the_closest_name() -> None:
    status = status_at("16:20")  # the panel live, the Q&A next, the reception after
    missing = {"Q&A": "Q&A 2", "Reception": None, "Keynote": "Keynote 2", "Panel": "Panel 2"}
    rows = {row.key: row for row in views.timeline_rows(status, INFO, missing)}
    assert (
        rows["qa"].alert and rows["qa"].cells[0] == "⚠ Qa: no scene 'Q&A' in OBS, closest 'Q&A 2'"
    )
    assert rows["qa"].cells[7] == "next ⚠"
    assert rows["reception"].alert and rows["reception"].cells[0].endswith(
        "no scene 'Reception' in OBS"
    )
    # past and live slots are not flagged: their boundary is behind them
    assert not rows["keynote"].alert and rows["keynote"].cells[0] == "Keynote"
    assert not rows["panel"].alert
    assert not any(r.alert for r in views.timeline_rows(status, INFO))


def test_event_lines_read_as_sentences() -> None:
    prog = seed()
    started = ShowEvent("slot_started", at("16:10"), "panel", cause="auto")
    assert eventtext.line(started, prog, AMS) == "16:10:00 Panel started (auto)"
    turn = ShowEvent("turn_started", at("16:13"), "panel", turn=1, speaker="Seonok Lee")
    assert eventtext.describe(turn, prog) == "Turn 2/7 Seonok Lee"
    obs = ShowEvent("scene_switch_confirmed", at("16:10"), "panel", text="Panel")
    assert eventtext.describe(obs, prog) == "Scene switch confirmed: Panel, Panel"
    assert eventtext.describe(ShowEvent("operator", at("16:10")), prog) is None
    assert SpeakerServerStarted(url="http://x/", control=None).line() == (
        "Speaker screens at http://x/ (add ?lang=nl|de|fr|es|pt|ar, ?sound=1; "
        "OBS source: ?transparent=1)"
    )
    failed = ServiceFailed(service="speaker_server", error="port 8765 is in use")
    assert failed.line() == "Speaker server failed: port 8765 is in use"


def test_one_rounding_rule_for_instants_and_deltas() -> None:
    """15:31:00.4 against 15:30 reads 15:31:00 and +1:00 on the dashboard and in the report."""
    from datetime import timedelta as _td

    from tests.factories import AMS as _AMS
    from tests.factories import at as _at
    from timekeeper.asrun.report import text as report_text
    from timekeeper.ui import format as _fmt

    started = _at("15:31:00") + _td(milliseconds=400)
    delta = started - _at("15:30:00")
    assert _fmt.hms(started, _AMS) == "15:31:00"
    assert _fmt.signed(delta) == "+1:00"
    assert report_text.signed(delta) == "+1:00"
    early = _at("15:29:00") + _td(milliseconds=400)  # shown 15:29:00: one minute early
    assert _fmt.hms(early, _AMS) == "15:29:00"
    assert _fmt.signed(early - _at("15:30:00")) == "−1:00"
    assert report_text.signed(early - _at("15:30:00")) == "-1:00"


def test_a_cut_slot_shows_the_time_to_the_hard_start_with_what_cuts_it() -> None:
    """Reception made hard, the Q&A 3 minutes late: at 17:29:50 it has 10 s, not 3:10."""
    status = evaluate(qa_three_minutes_late(), at("17:29:50"))
    live = views.live_view(status, INFO)
    assert (live.digits, live.phase) == ("00:10", "danger")
    assert live.caption[:2] == (
        "until Reception, 17:30 — hard start",
        "cut short: was to end 17:33:00",
    )
    assert views.header_view(status, INFO).cut == "✂ until Reception, 17:30 — hard start"
    rows = {r.key: r for r in views.timeline_rows(status, INFO)}
    assert rows["qa"].cells[0].endswith("✂ until Reception, 17:30 — hard start")
    assert "until" not in rows["reception"].cells[0]


def test_an_uncut_slot_has_no_cut_label() -> None:
    status = status_at("17:20")
    assert views.header_view(status, INFO).cut == ""
    assert views.live_view(status, INFO).caption[1] == "ends 17:30:00"
