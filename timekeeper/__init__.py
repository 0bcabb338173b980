"""timekeeper: the clock of a live hybrid event, and the driver of its stream."""

__version__ = "0.1.0"
