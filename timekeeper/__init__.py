"""timekeeper: the clock of a live hybrid event, and the driver of its stream."""

__version__ = "0.1.0"

import logging as _logging

# timekeeper reports through its event stream, dashboard and as-run log; a library-style
# NullHandler keeps Python's last-resort handler from printing warnings over the TUI.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
