"""The programme file as written: pydantic models of the YAML, strict and documented.

These models check the shape of each section (keys, types, the syntax of times
and durations); checks that need several slots at once (overlaps, ids, the
timeline) live in `timeline.py` and `checks.py`. Every field's description is
shown by editors through the generated JSON Schema, so it is written for the
person editing programme.yaml.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

from timekeeper.core.obsurl import credentials_refusal
from timekeeper.programme import durations, times
from timekeeper.programme.giveway import GIVE_WAY_HELP as _GIVE_WAY_HELP
from timekeeper.programme.giveway import GiveWay
from timekeeper.programme.templates import TEXT_PLACEHOLDERS, check_template

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
_ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _duration(value: object) -> timedelta:
    return durations.parse_duration(value)


def _positive(value: object) -> timedelta:
    parsed = durations.parse_duration(value)
    if parsed <= timedelta():
        raise ValueError(f"expected a duration longer than 0s, got {value!r}")
    return parsed


_DURATION_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": durations.PATTERN, "examples": ["5m", "1h30m", "90s"]}
)


_SHOW_DURATION = PlainSerializer(durations.format_duration, return_type=str)

#: A length of time such as 5m, 1h30m, 90s, 2d, 500ms or PT5M (zero allowed).
Duration = Annotated[timedelta, PlainValidator(_duration), _SHOW_DURATION, _DURATION_SCHEMA]
#: A length of time that must be longer than zero.
PositiveDuration = Annotated[timedelta, PlainValidator(_positive), _SHOW_DURATION, _DURATION_SCHEMA]
#: A start or an end: "HH:MM[:SS]" on the event date, or a full ISO 8601 datetime.
TimeField = Annotated[
    times.TimeSpec,
    PlainValidator(times.parse_time_spec),
    PlainSerializer(lambda spec: spec.text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": times.TIME_PATTERN, "examples": ["15:35"]}),
]
EventDate = Annotated[
    date,
    PlainValidator(times.parse_date),
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2023-11-20"]}),
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("expected some text, not only spaces")
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]
Template = Annotated[str, AfterValidator(check_template)]
Advance = Literal["auto", "manual"]
Action = Literal["start_streaming", "stop_streaming", "start_recording", "stop_recording"]


def _check_id(value: str) -> str:
    if not re.fullmatch(ID_PATTERN, value):
        from timekeeper.programme.ids import slugify

        raise ValueError(
            f"slot id '{value}' may only use a-z, 0-9, '-' and '_' "
            f"and start with a letter or digit (e.g. '{slugify(value) or 'slot-1'}')"
        )
    return value


def _check_url(value: str) -> str:
    refused = credentials_refusal(value)
    if refused is not None:
        raise ValueError(refused)  # never the URL: it holds the secret
    if not re.match(r"^wss?://[^\s/]+", value):
        raise ValueError(f"expected a websocket URL such as ws://127.0.0.1:4455, got {value!r}")
    return value


def _check_env(value: str) -> str:
    if not re.fullmatch(_ENV_PATTERN, value):
        raise ValueError(
            f"password_env names an environment variable (e.g. OBS_PASSWORD), got {value!r}; "
            "the password itself never goes in the programme file"
        )
    return value


SlotId = Annotated[
    str, AfterValidator(_check_id), WithJsonSchema({"type": "string", "pattern": ID_PATTERN})
]
ObsUrl = Annotated[
    str, AfterValidator(_check_url), WithJsonSchema({"type": "string", "pattern": "^wss?://"})
]
EnvName = Annotated[
    str, AfterValidator(_check_env), WithJsonSchema({"type": "string", "pattern": _ENV_PATTERN})
]
Timezone = Annotated[str, AfterValidator(times.check_timezone)]


def _threshold(default: timedelta, description: str) -> Any:
    """A duration field with a default, shown in the schema as written in YAML (5m, not PT5M)."""
    return Field(
        default=default,
        description=description,
        json_schema_extra={"default": durations.format_duration(default)},
    )


class _Section(BaseModel):
    """Strict: unknown keys are errors, and no value is silently converted to another type."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


def _named(value: Any) -> Any:
    """A plain string stands for `{name: ...}`."""
    return {"name": value} if isinstance(value, str) else value


class SpeakerModel(_Section):
    """A person on stage. A plain string is just the name."""

    name: Text = Field(description="Name as shown on screens, e.g. 'Antonio A. Casilli'.")
    role: str | None = Field(default=None, description="Role or position, e.g. 'Moderator'.")
    affiliation: str | None = Field(default=None, description="Institution, shown after the name.")


Speaker = Annotated[
    SpeakerModel, BeforeValidator(_named, json_schema_input_type=str | SpeakerModel)
]


class TransitionModel(_Section):
    """An OBS scene transition. A plain string is just its name."""

    name: Text = Field(description="Name of the transition in OBS, e.g. 'Fade' or 'Cut'.")
    duration: Duration | None = Field(
        default=None,
        description="How long the transition takes, e.g. 500ms; default: OBS's setting.",
    )


Transition = Annotated[
    TransitionModel, BeforeValidator(_named, json_schema_input_type=str | TransitionModel)
]


class EventModel(_Section):
    """The event itself: what, when and where."""

    title: Text = Field(description="Title of the event, shown on the dashboard and screens.")
    subtitle: str | None = Field(default=None, description="Subtitle, shown under the title.")
    date: EventDate = Field(
        description="Date of the event as YYYY-MM-DD; times of day like '15:35' fall on it."
    )
    timezone: Timezone = Field(
        description="IANA timezone the times are written in, e.g. Europe/Amsterdam.",
        examples=["Europe/Amsterdam"],
    )
    venue: str | None = Field(default=None, description="Where it takes place (free text).")
    start: Advance = Field(
        default="auto",
        description="auto: the first slot starts by itself at its planned time; "
        "manual: the show waits for the operator to start it.",
    )


class ObsSettingsModel(_Section):
    """How to reach OBS Studio. The password never lives in this file: name an environment
    variable in password_env instead."""

    url: ObsUrl = Field(
        default="ws://127.0.0.1:4455",
        description="OBS websocket URL (OBS 28+ listens on port 4455).",
    )
    password_env: EnvName | None = Field(
        default=None,
        description="Name of the environment variable holding the OBS websocket password.",
    )
    studio_mode: bool = Field(
        default=False,
        description="true: scenes go to preview first and the transition takes them live.",
    )
    transition: Transition | None = Field(
        default=None, description="Transition used when neither the slot nor defaults name one."
    )
    texts: dict[str, Template] = Field(
        default_factory=dict,
        description="OBS text sources kept updated during every slot: "
        "{source name: template}. Placeholders: "
        + ", ".join(f"{{{name}}}" for name in TEXT_PLACEHOLDERS)
        + ".",
    )


class DefaultsModel(_Section):
    """Values every slot uses unless it sets its own."""

    warning: Duration = _threshold(
        timedelta(minutes=5), "Countdown turns to warning when this much is left."
    )
    danger: Duration = _threshold(
        timedelta(minutes=1), "Countdown turns to danger when this much is left."
    )
    advance: Advance = Field(
        default="auto",
        description="auto: a slot ends at its time and the next begins; "
        "manual: it counts into overtime until the operator moves on.",
    )
    turns_advance: Advance = Field(
        default="manual",
        description="manual: the operator moves from one speaker turn to the next; "
        "auto: turns move on by themselves at their time.",
    )
    transition: Transition | None = Field(
        default=None, description="OBS transition for every slot."
    )
    turn_warning: Duration = _threshold(
        timedelta(minutes=1), "A turn's countdown turns to warning at this much left."
    )
    turn_danger: Duration = _threshold(
        timedelta(seconds=30), "A turn's countdown turns to danger at this much left."
    )


class TurnModel(_Section):
    """A timed speaker turn inside a slot (e.g. a panellist's statement), in order."""

    speaker: Speaker = Field(description="Who speaks: a name, or {name, role, affiliation}.")
    duration: PositiveDuration = Field(description="How long the turn lasts, e.g. 6m.")
    title: str | None = Field(default=None, description="What the turn is, e.g. 'Opening'.")
    warning: Duration | None = Field(
        default=None,
        description="Warning threshold of this turn; default: the slot's turn_warning.",
    )
    danger: Duration | None = Field(
        default=None, description="Danger threshold of this turn; default: the slot's turn_danger."
    )
    give_way: GiveWay | None = Field(default=None, description=_GIVE_WAY_HELP + ".")


class SlotModel(_Section):
    """One item of the running order."""

    id: SlotId | None = Field(
        default=None,
        description="Stable id (a-z, 0-9, '-', '_'); default: made from the title "
        "('Keynote lecture' -> keynote-lecture).",
    )
    title: Text = Field(description="Title of the slot, shown on the dashboard and screens.")
    start: TimeField | None = Field(
        default=None,
        description='Planned start: "HH:MM[:SS]" on the event date, or a full ISO 8601 '
        "datetime (with or without offset). Absent: right after the previous slot.",
    )
    duration: PositiveDuration | None = Field(
        default=None, description="Planned length, e.g. 35m or 1h30m. Give this or end, not both."
    )
    end: TimeField | None = Field(
        default=None,
        description="Planned end, same forms as start (a time of day falls on the start's "
        "date). Give this or duration, not both.",
    )
    speakers: list[Speaker] = Field(
        default_factory=list, description="Who is on stage: names, or {name, role, affiliation}."
    )
    turns: list[TurnModel] = Field(
        default_factory=list,
        description="Timed speaker turns, in order; together no longer than the slot.",
    )
    turns_advance: Advance | None = Field(
        default=None, description="manual or auto; default: defaults.turns_advance (manual)."
    )
    scene: str | None = Field(default=None, description="OBS scene shown while this slot is live.")
    transition: Transition | None = Field(
        default=None,
        description="OBS transition into this slot's scene: a name or {name, duration}.",
    )
    hard: bool = Field(
        default=False,
        description="true: starts exactly at its planned time, cutting whatever runs late before.",
    )
    advance: Advance | None = Field(
        default=None, description="auto or manual; default: defaults.advance (auto)."
    )
    warning: Duration | None = Field(
        default=None, description="Warning threshold (time left); default: defaults.warning (5m)."
    )
    danger: Duration | None = Field(
        default=None, description="Danger threshold (time left); default: defaults.danger (1m)."
    )
    turn_warning: Duration | None = Field(
        default=None, description="Warning threshold of this slot's turns; default: defaults (1m)."
    )
    turn_danger: Duration | None = Field(
        default=None, description="Danger threshold of this slot's turns; default: defaults (30s)."
    )
    on_start: list[Action] = Field(
        default_factory=list, description="OBS actions when the slot starts, e.g. start_streaming."
    )
    on_end: list[Action] = Field(
        default_factory=list, description="OBS actions when the slot ends, e.g. stop_recording."
    )
    texts: dict[str, Template] = Field(
        default_factory=dict,
        description="OBS text sources kept updated while this slot is live: "
        "{source name: template}, e.g. {'Lower third': '{speaker}'}.",
    )
    notes: str | None = Field(default=None, description="Free notes for the operator.")
    give_way: GiveWay | None = Field(
        default=None,
        description=_GIVE_WAY_HELP + " (the last slot: fixed). A fixed slot's turns are fixed too.",
    )
    do_not_record: bool = Field(
        default=False,
        description="true: this slot is left out of the cuts (`timekeeper cuts`), as frab's "
        "do_not_record: the speaker did not agree to a recording being published.",
    )


class LateModel(_Section):
    """Running late: when timekeeper proposes who gives way, and in what order
    (docs/running-late.md)."""

    threshold: PositiveDuration = _threshold(
        timedelta(minutes=1),
        "Propose a re-plan when the forecast misses a hard start or the planned end of the "
        "show by more than this.",
    )
    order: list[SlotId] = Field(
        default_factory=list,
        description="Slot ids that give way first, in this order, each down to its minimum; "
        "then everything else evenly. Default: the breaks (slots with no speakers and no turns).",
    )


class ProgrammeModel(_Section):
    """A timekeeper programme: the event, its running order, and how to drive OBS."""

    event: EventModel = Field(description="The event: title, date, timezone, venue.")
    obs: ObsSettingsModel | None = Field(
        default=None, description="How to reach OBS Studio; leave out to run without OBS."
    )
    defaults: DefaultsModel = Field(
        default_factory=DefaultsModel,
        description="Thresholds, advance and transition for every slot that sets none.",
    )
    late: LateModel = Field(
        default_factory=LateModel,
        description="When the show runs late: when to propose a re-plan, what gives way first.",
    )
    slots: list[SlotModel] = Field(
        min_length=1, description="The running order, in time order; at least one slot."
    )
