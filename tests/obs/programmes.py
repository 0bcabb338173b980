"""Small programmes in code for the OBS tests (names only matter here, not times)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from timekeeper.core.programme import Event, ObsSettings, Programme, Slot, Transition


def obs_programme(
    scenes: list[str],
    *,
    transitions: dict[int, str] | None = None,
    texts: dict[int, str] | None = None,
    url: str = "ws://127.0.0.1:4455",
    password_env: str | None = "TK_TEST_OBS_PASSWORD",
    default_transition: str | None = None,
) -> Programme:
    """One 5-minute slot per scene; slot i may name a transition and a text source."""
    start = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    transitions = transitions or {}
    texts = texts or {}
    slots = tuple(
        Slot(
            id=f"s{i}",
            title=f"Slot {i}",
            start=start + timedelta(minutes=5 * i),
            duration=timedelta(minutes=5),
            scene=scene,
            transition=Transition(transitions[i]) if i in transitions else None,
            texts=((texts[i], "{title}"),) if i in texts else (),
        )
        for i, scene in enumerate(scenes)
    )
    settings = ObsSettings(
        url=url,
        password_env=password_env,
        configured=True,
        transition=Transition(default_transition) if default_transition else None,
    )
    return Programme(
        event=Event(title="OBS test", date=date(2030, 5, 1), timezone="UTC"),
        slots=slots,
        obs=settings,
    )
