"""The dashboard shows who else is steering: the last remote action, its source and when."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import make_app
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.control.actions import Controls
from timekeeper.ui.widgets.header import RemoteLine


async def test_a_remote_action_is_named_on_the_dashboard_with_its_source_and_time() -> None:
    app = make_app("15:29:50")
    session = app.session
    runtime = Runtime.of(session, RunOptions(Path("p.yaml")), session.clock.now())
    runtime.notices.subscribe(app.notice)
    controls = Controls(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        line = app.operator.query_one(RemoteLine)
        assert not line.display  # nobody else has steered: no line
        controls.run("next", {"confirm": True}, "api:companion")
        await pilot.pause()
        assert line.display
        assert str(line.render()) == " Remote 15:29:50 · api:companion · next: Introduction is live"
        controls.run("extend", {"minutes": 2}, "osc")
        await pilot.pause()
        assert "· osc · extend: +2 min" in str(line.render())
        assert app.operator.query_one("#timeline").region.height > 0  # the timeline still fits


def test_the_event_log_names_who_acted_and_who_was_refused() -> None:
    from timekeeper.control.notices import RemoteAction, RemoteRefused

    done = RemoteAction(action="next", by="api:companion", message="next: Panel discussion is live")
    assert done.line() == "api:companion: next: Panel discussion is live"
    refused = RemoteRefused(action="hold", by="osc", message="Hold the show? Send confirm")
    assert refused.line() == "osc refused: Hold the show? Send confirm"
