"""The terminal speaker screen (Textual): `timekeeper speaker` on a confidence monitor.

It follows a run through `timekeeper.speaker.follower` and renders the
`Display` that `timekeeper.speaker.display` computes; the server and the
protocol live in `timekeeper.speaker`, which imports no Textual.
"""
