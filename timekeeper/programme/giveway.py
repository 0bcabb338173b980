"""The `give_way` value of a slot or turn: `fixed`, or the shortest it may become.

Its own module so the programme model stays small; what it means is
docs/running-late.md, and the core's `GiveWay` carries it to the proposal.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

from timekeeper.programme import durations


def _give_way(value: object) -> str | timedelta:
    if value == "fixed":
        return "fixed"
    try:
        parsed = durations.parse_duration(value)
    except ValueError:
        parsed = timedelta()
    if parsed <= timedelta():
        raise ValueError(
            f"expected 'fixed' or the shortest it may become when the show runs late, "
            f"such as 4m, got {value!r}"
        )
    return parsed


#: How a slot or turn gives way when the show runs late: `fixed`, or its minimum length.
GiveWay = Annotated[
    str | timedelta,
    PlainValidator(_give_way),
    PlainSerializer(
        lambda v: v if isinstance(v, str) else durations.format_duration(v), return_type=str
    ),
    WithJsonSchema(
        {
            "anyOf": [{"const": "fixed"}, {"type": "string", "pattern": durations.PATTERN}],
            "examples": ["fixed", "4m"],
        }
    ),
]
GIVE_WAY_HELP = (
    "When the show runs late (docs/running-late.md): 'fixed' never shrinks, or the "
    "shortest it may become, e.g. 4m; default: half its length, at least 1m"
)
