"""Rooms: a venue of parallel rooms, each its own run, shared through an MQTT broker.

venue.py (the venue file), topics.py (names on the broker), settings.py (the broker's
address and credentials from the environment), link.py (the only module importing
aiomqtt: connect, last will, backoff), service.py (a room's run publishing itself),
commands.py (what a room accepts), board.py (the pure overview of every room),
watch.py (the overview's subscriber), replica*.py (a standby's copy of the driver's as-run
log, issue 24). No Textual here: the screens are timekeeper.ui.venue.
"""
