"""Building the controller a programme's `obs:` settings ask for.

Owns the one decision of which port the controller drives: none (OBS not
configured: a no-op controller) or the real obs-websocket client, with the
password and the URL override. Kept apart from `controller` so that importing
the controller (the dashboard does, for its status types) does not import
the client, the only module importing simpleobsws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from timekeeper.core.clock import Clock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsSettings
from timekeeper.obs import events as ev
from timekeeper.obs.controller import ObsController
from timekeeper.obs.status import RunIdentity


def build_controller(
    settings: ObsSettings,
    *,
    clock: Clock,
    password: str | None,
    url_override: str | None = None,
    on_event: Callable[[ev.ObsEvent], None] | None = None,
    mode: RunMode = RunMode.LIVE,
    done_keys: Iterable[str] = (),
    allow_live_outputs: bool = False,
    scene_uses: Mapping[str, Sequence[str]] | None = None,
    announce: RunIdentity | None = None,
) -> ObsController:
    """The controller for a programme's `obs:` settings (not configured -> a no-op controller)."""
    if not settings.configured and url_override is None:
        return ObsController(None, clock=clock, on_event=on_event, mode=mode)
    from timekeeper.obs.client import ObsClient

    client = ObsClient(url_override or settings.url, password, password_env=settings.password_env)
    return ObsController(
        client,
        clock=clock,
        on_event=on_event,
        mode=mode,
        studio_mode=settings.studio_mode,
        done_keys=done_keys,
        allow_live_outputs=allow_live_outputs,
        scene_uses=scene_uses,
        announce=announce,
    )
