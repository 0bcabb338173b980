"""One exception hierarchy for everything timekeeper reports to a user."""

from __future__ import annotations


class TimekeeperError(Exception):
    """Base of every error timekeeper reports with a clear message instead of a traceback."""

    exit_code = 1


class ProgrammeError(TimekeeperError):
    """The programme file cannot be read or is invalid."""

    exit_code = 2


class UsageError(TimekeeperError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class TransitionError(TimekeeperError):
    """An operator action that does not apply to the show's current state."""


class ObsError(TimekeeperError):
    """OBS Studio could not be reached or refused a request."""

    exit_code = 3


class ObsConnectionError(ObsError):
    """Nothing answers at the OBS URL, or the connection dropped."""


class ObsRefusedError(ObsConnectionError):
    """Nothing listens at OBS's port (the connection was refused): OBS is not running."""


class ObsAuthError(ObsError):
    """OBS rejected the password (or none was given where one is required)."""


class ObsTimeoutError(ObsError):
    """OBS did not answer in time."""


class ObsRequestError(ObsError):
    """OBS answered a request with an error status."""

    def __init__(self, request: str, code: int, comment: str) -> None:
        super().__init__(f"OBS refused {request}: {comment or 'error'} (code {code})")
        self.request = request
        self.code = code
        self.comment = comment
