"""`GET /api/openapi.json`: the control API described as OpenAPI 3.1, built from `actions`."""

from __future__ import annotations

from typing import Any

from timekeeper import __version__
from timekeeper.control.actions import KINDS, NAMES, PARAMS

CONFIRMED = ("next", "back", "hold", "release", "jump", "resend", "auto-switch", "accept-proposal",
             "take-over", "hand-over")  # fmt: skip
PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 1},
    "slot": {"type": "string", "description": "the slot's id in programme.yaml"},
    "text": {"type": "string", "maxLength": 500, "description": "empty clears the message"},
    "flash": {"type": "boolean", "default": False},
    "on": {"type": "boolean", "description": "absent: toggle"},
    "confirm": {"type": "boolean", "default": False},
    "from": {
        "type": "string",
        "description": "the slot you mean to move from: refused (409) when it is no longer live",
    },
}
DOES = {
    "next": "End the live slot and start the next (starts the show; ends it on the last slot)",
    "turn": "Next speaker turn",
    "back": "Undo the last advance (slot or turn)",
    "extend": "Extend the live slot by `minutes`",
    "shorten": "Shorten the live slot by `minutes` (asks when its deadline would pass)",
    "hold": "Hold: nothing moves on by itself until released",
    "release": "Release the hold",
    "jump": "Start the slot `slot` now (skips the slots in between)",
    "message": "Message to the speaker screens",
    "resend": "Re-send the live slot's scene to OBS",
    "auto-switch": "Automatic scene switching on/off",
    "accept-proposal": "Accept the running-late proposal on offer (docs/running-late.md)",
    "take-over": "An armed standby takes the show over once the driver is gone (docs/standby.md)",
    "hand-over": "The driver hands the show to its standby, planned (docs/standby.md)",
}


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _action(name: str) -> dict[str, Any]:
    moves = ("from",) if name in KINDS else ()
    params = {key: PARAM_SCHEMAS[key] for key in (*PARAMS[name], "confirm", *moves)}
    asks = name in CONFIRMED or name == "shorten"
    body = {"type": "object", "additionalProperties": False, "properties": params}
    return {
        "post": {
            "operationId": name.replace("-", "_"),
            "summary": DOES[name] + (" — needs confirm: true" if name in CONFIRMED else ""),
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "done; the status after it"},
                "400": _error("bad parameters"),
                "401": _error("no token or a wrong one"),
                "409": _error(
                    "does not apply now, or refused by the gate: `from` no longer holds, the "
                    "show moved after the request arrived, or a burst (the reason says which)"
                ),
                **({"428": _error("the keyboard asks first: send confirm: true")} if asks else {}),
                "429": _error("rate limited: see Retry-After"),
            },
        }
    }


def openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {f"/api/actions/{name}": _action(name) for name in NAMES}
    paths["/api/status"] = {
        "get": {
            "operationId": "status",
            "summary": "Live slot and turn, remaining seconds, phase and colour, over/under, "
            "next, hold, OBS health",
            "responses": {"200": {"description": "the status"}, "401": _error("no token")},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "timekeeper control API", "version": __version__},
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"ok": {"const": False}, "error": {"type": "string"}},
                }
            },
            "parameters": {},
        },
        "paths": paths,
    }
