"""Speaker screens: the live show state served to followers (terminals, browsers, OBS).

`server` serves it (aiohttp); `protocol` (wire, snapshot, clocksync, display,
urls) is pure, so the server, the follower, the tests and the benchmark all read
the wire format through the same code; `follower` is the client side; the
page's JavaScript (static/speaker.js) mirrors `display`. No Textual here: the
terminal speaker screen is `timekeeper.ui.speaker`.
"""
