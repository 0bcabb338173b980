"""Typed command-line values, checked by argparse before anything is read, opened or created.

Each check raises `argparse.ArgumentTypeError` with one line that says what is
wrong and what is accepted, so a bad flag exits 2 with that line and no file is
written (no as-run log, no diagnostics log, no `runs/` folder).
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
from pathlib import Path

from timekeeper.core.obsurl import credentials_refusal

SPEED_MIN = 0.01  # a hundredth of real time: stepping through a boundary frame by frame
SPEED_MAX = 3600.0  # an hour a second: a three-day conference rehearsed in about a minute
# The explicit override a dress rehearsal's refusal names (OBS streaming or recording).
ALLOW_LIVE_OUTPUTS = "--allow-live-outputs"


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0 turns the speaker screens off)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give 0-65535 (0 turns it off)")
    return value


TAKEOVER_DELAY_MIN = 0.3  # the driver announces every 0.25 s: less would be false alarms
TAKEOVER_DELAY_MAX = 60.0


def takeover_delay(text: str) -> float:
    """The standby's takeover delay in seconds (0.3 to 60)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, e.g. 1.0") from None
    if not math.isfinite(value) or not TAKEOVER_DELAY_MIN <= value <= TAKEOVER_DELAY_MAX:
        raise argparse.ArgumentTypeError(
            f"the takeover delay must be {TAKEOVER_DELAY_MIN:g} to {TAKEOVER_DELAY_MAX:g} "
            f"seconds (the driver announces itself every 0.25 s), got {text}"
        )
    return value


def osc_port(text: str) -> int:
    """A UDP port for OSC input, 1 to 65535."""
    value = port(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not a port for OSC: give 1-65535, e.g. 9000")
    return value


def speed(text: str) -> float:
    """A finite factor within [SPEED_MIN, SPEED_MAX]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number, e.g. 10") from None
    if not math.isfinite(value) or not SPEED_MIN <= value <= SPEED_MAX:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: give a factor from {SPEED_MIN:g} to {SPEED_MAX:g}, e.g. 10"
        )
    return value


def obs_url(text: str) -> str:
    """An OBS WebSocket URL without a user or password (never echoed: it would hold them)."""
    why = credentials_refusal(text)
    if why is not None:
        raise argparse.ArgumentTypeError(why)
    return text


def bind_address(text: str) -> str:
    """An IPv4 or IPv6 address to listen on, or `localhost`."""
    if text == "localhost":
        return text
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an address to listen on: give an IP address such as 127.0.0.1 "
            "(this machine only), 0.0.0.0 (every network) or ::1"
        ) from None


LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"(?=.{{1,253}}$){LABEL}(\.{LABEL})*\.?")


def host_name(text: str) -> str:
    """A DNS host name (letters, digits, hyphens, dots), lower-cased."""
    name = text.strip().lower()
    if not HOST_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a host name: give a name such as timer.venue.lan"
        )
    return name.rstrip(".")


def log_path(text: str) -> Path:
    """An as-run log file, or a folder for it; the folder must exist (nothing is created)."""
    path = Path(text).expanduser()
    if path.is_dir():
        return path
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(
            f"the folder {str(folder)!r} does not exist: create it first, or leave out --log "
            "to log in runs/ next to the programme"
        )
    return path
