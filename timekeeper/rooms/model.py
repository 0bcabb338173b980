"""The venue file as written: pydantic models of the YAML, strict and documented.

Editors get the JSON Schema from these (`timekeeper schema --venue`); every field's
description is written for the person editing venue.yaml.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: The commands a room can be configured to accept from its `commands` topic.
Command = Literal["message", "next_turn", "extend", "hold", "release"]
DEFAULT_COMMANDS: tuple[Command, ...] = ("message",)
DEFAULT_USERNAME_ENV = "TK_MQTT_USER"
DEFAULT_PASSWORD_ENV = "TK_MQTT_PASSWORD"


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r}; expected an IANA name such as Europe/Amsterdam"
        ) from None
    return value


def _url(value: str) -> str:
    from timekeeper.rooms.settings import check_url

    check_url(value)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VenueInfo(_Strict):
    name: str = Field(min_length=1, description="The venue's name (its topics use it, slugged)")
    timezone: Annotated[str, AfterValidator(_timezone)] | None = Field(
        None, description="IANA timezone of the venue clock on the overview and foyer board"
    )


class MqttModel(_Strict):
    url: Annotated[str, AfterValidator(_url)] = Field(
        description="The broker: mqtt://HOST[:PORT] (1883) or mqtts://HOST[:PORT] (TLS, 8883)"
    )
    username_env: str = Field(
        DEFAULT_USERNAME_ENV,
        pattern=_ENV_PATTERN,
        description="Name of the environment variable holding the broker user (unset: none)",
    )
    password_env: str = Field(
        DEFAULT_PASSWORD_ENV,
        pattern=_ENV_PATTERN,
        description="Name of the environment variable holding the broker password — "
        "never the password itself",
    )
    ca_file: str | None = Field(
        None, description="CA certificate (PEM) to check an mqtts:// broker against"
    )


class RoomModel(_Strict):
    name: str = Field(min_length=1, description="The room's name (its topics use it, slugged)")
    programme: str = Field(
        min_length=1, description="The room's programme file, relative to the venue file"
    )
    commands: list[Command] = Field(
        default_factory=lambda: list(DEFAULT_COMMANDS),
        description="Commands the room accepts from its commands topic (default: message)",
    )


class VenueFileModel(_Strict):
    venue: VenueInfo = Field(description="The venue: name and timezone")
    mqtt: MqttModel | None = Field(
        None, description="The broker the rooms share (absent: each room runs on its own)"
    )
    rooms: list[RoomModel] = Field(min_length=1, description="The rooms, one programme each")


def venue_schema_text() -> str:
    """The JSON Schema of venue.yaml, as `schema/venue.schema.json` holds it."""
    import json

    schema = VenueFileModel.model_json_schema(mode="validation")
    schema.pop("title", None)
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "timekeeper venue",
            **schema}  # fmt: skip
    return json.dumps(full, indent=2, ensure_ascii=False) + "\n"
