"""The pure core: no Textual, no simpleobsws, no wall-clock reads (see clock.py)."""
