"""Speaker screens: the live show state served to followers (terminals, browsers, OBS).

`protocol` is pure (no aiohttp, no Textual) so the server, the terminal app, the
tests and the benchmark all read the wire format through the same code; the
page's JavaScript mirrors its `Display` computation.
"""
