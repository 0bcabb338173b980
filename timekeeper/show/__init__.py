"""The running show: the pure core plus a clock, an event bus and a scheduler (no Textual)."""
