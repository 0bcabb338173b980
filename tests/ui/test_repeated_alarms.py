"""A repeated OBS alarm is one line of the dashboard's event log, updated with its count."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import at
from tests.ui.conftest import clock_of, make_app, step
from timekeeper.asrun.repeats import EventLogRepeats
from timekeeper.show.notices import ObsRecord
from timekeeper.ui.widgets.log import EventLog

SIZE = (80, 24)
REFUSED = "nothing answers at ws://127.0.0.1:4455"


async def test_77_connect_failures_are_one_line_that_counts() -> None:
    app = make_app("15:40:00")
    repeats = EventLogRepeats(app.session.programme.tz)  # what `timekeeper run` feeds the app
    real = at("09:00")

    def record(event: str, **data: object) -> None:
        now = clock_of(app).now()
        for shown in repeats.shown(event, {"source": "obs", **data}, now, real):
            app.notice(ObsRecord(name=shown.event, record=shown.data, repeat=shown.update))

    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        for attempt in range(1, 78):
            clock_of(app).set(at("15:40:00") + timedelta(seconds=10) * (attempt - 1))
            record("obs_connect_failed", error=REFUSED, attempt=attempt, message="connect failed")
        await pilot.pause()
        lines = app.screen.query_one(EventLog).lines
        about = [line for line in lines if "OBS" in line]
        assert about == [f"15:52:40 OBS unreachable since 15:40:00, 77 attempts: {REFUSED}"]
        record("obs_connected", message="connected to OBS 30.0")
        await pilot.pause()
        lines = app.screen.query_one(EventLog).lines
        assert lines[:2] == [
            "15:52:40 OBS: connected to OBS 30.0",
            f"15:52:40 OBS unreachable 15:40:00–15:52:40, 77 attempts: {REFUSED}",
        ]
        assert sum("unreachable" in line or "connect failed" in line for line in lines) == 1


async def test_a_notice_after_the_dashboard_closed_is_not_a_crash() -> None:
    """As the services stop after `q`, the repeated-alarm summary still reaches the app: the
    quit must stay a clean exit (it was a NoMatches traceback and exit 1)."""
    app = make_app("15:40:00")
    async with app.run_test(size=(100, 30)) as pilot:
        await step(pilot, "15:40:00")
    summary = {"message": "OBS unreachable 15:40:00–15:41:00, 12 attempts"}
    app.notice(ObsRecord(name="repeated", record=summary, at=at("15:41:00")))  # must not raise
    assert app.return_code in (None, 0)
