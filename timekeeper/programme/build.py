"""Turn validated, placed slots into the frozen core `Programme`.

Every default is resolved here (slot -> defaults -> built-in), so the engine
and the UI read one value per field and never need to know the cascade.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from timekeeper.core.programme import (
    Advance,
    Event,
    GiveWay,
    LatePolicy,
    ObsAction,
    ObsSettings,
    Programme,
    Slot,
    Speaker,
    Transition,
    Turn,
)
from timekeeper.programme.model import (
    DefaultsModel,
    EventModel,
    LateModel,
    ObsSettingsModel,
    SpeakerModel,
    TransitionModel,
    TurnModel,
)
from timekeeper.programme.timeline import Placed


def build_programme(
    event: EventModel,
    obs: ObsSettingsModel | None,
    defaults: DefaultsModel,
    slots: Sequence[tuple[str, Placed]],
    source: str | None,
    digest: str | None,
    late: LateModel | None = None,
) -> Programme:
    """The core programme; `slots` pairs each slot's final id with its placement."""
    settings = _obs(obs)
    return Programme(
        event=Event(
            title=event.title,
            date=event.date,
            timezone=event.timezone,
            subtitle=event.subtitle,
            venue=event.venue,
            start=Advance(event.start),
        ),
        slots=tuple(_slot(slot_id, spot, defaults, settings) for slot_id, spot in slots),
        obs=settings,
        late=_late(late or LateModel()),
        source=source,
        digest=digest,
    )


def _obs(obs: ObsSettingsModel | None) -> ObsSettings:
    if obs is None:
        return ObsSettings()
    return ObsSettings(
        url=obs.url,
        password_env=obs.password_env,
        studio_mode=obs.studio_mode,
        transition=_transition(obs.transition),
        texts=tuple(obs.texts.items()),
        configured=True,
    )


def _slot(slot_id: str, spot: Placed, defaults: DefaultsModel, obs: ObsSettings) -> Slot:
    model = spot.model
    turn_warning = _pick(model.turn_warning, defaults.turn_warning)
    turn_danger = _pick(model.turn_danger, defaults.turn_danger)
    return Slot(
        id=slot_id,
        title=model.title,
        start=spot.start,
        duration=spot.duration,
        speakers=tuple(_speaker(speaker) for speaker in model.speakers),
        turns=tuple(_turn(turn, turn_warning, turn_danger) for turn in model.turns),
        scene=model.scene,
        hard=model.hard,
        advance=Advance(model.advance or defaults.advance),
        turns_advance=Advance(model.turns_advance or defaults.turns_advance),
        warning=_pick(model.warning, defaults.warning),
        danger=_pick(model.danger, defaults.danger),
        transition=_transition(model.transition or defaults.transition) or obs.transition,
        on_start=tuple(ObsAction(action) for action in model.on_start),
        on_end=tuple(ObsAction(action) for action in model.on_end),
        texts=tuple({**dict(obs.texts), **model.texts}.items()),
        notes=model.notes,
        give_way=_give_way(model.give_way),
        do_not_record=model.do_not_record,  # issue 25: cuts leave it out
    )


def _speaker(model: SpeakerModel) -> Speaker:
    return Speaker(name=model.name, role=model.role, affiliation=model.affiliation)


def _turn(model: TurnModel, warning: timedelta, danger: timedelta) -> Turn:
    return Turn(
        speaker=model.speaker.name,
        duration=model.duration,
        title=model.title,
        warning=_pick(model.warning, warning),
        danger=_pick(model.danger, danger),
        give_way=_give_way(model.give_way),
    )


def _late(model: LateModel) -> LatePolicy:
    return LatePolicy(threshold=model.threshold, order=tuple(model.order))


def _give_way(value: str | timedelta | None) -> GiveWay | None:
    if isinstance(value, timedelta):
        return GiveWay(minimum=value)
    return None if value is None else GiveWay(fixed=True)


def _transition(model: TransitionModel | None) -> Transition | None:
    return None if model is None else Transition(name=model.name, duration=model.duration)


def _pick(value: timedelta | None, fallback: timedelta) -> timedelta:
    return fallback if value is None else value
