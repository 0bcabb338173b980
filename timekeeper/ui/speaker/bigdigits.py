"""Block digits scaled to fill a terminal: readable from three metres on a confidence monitor.

Textual's `Digits` is three rows tall; on a big terminal that is a small
number in a sea of black. This draws a 3x5 pixel font with each pixel as a
block of cells, picking the largest scale that fits (a pixel twice as wide as
tall, because a terminal cell is about half as wide as it is tall). Pure
string work, so it is tested without a terminal.
"""

from __future__ import annotations

FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ":": (".", "#", ".", "#", "."),
    "+": ("...", ".#.", "###", ".#.", "..."),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("..", "..", "..", "..", ".."),
}
ROWS = 5
BLOCK = "█"


def pixel_width(text: str) -> int:
    """Width in font pixels, one blank pixel between glyphs."""
    return sum(len(FONT[c][0]) for c in text) + max(0, len(text) - 1)


def supported(text: str) -> bool:
    return bool(text) and all(c in FONT for c in text)


def scale_for(text: str, width: int, height: int) -> tuple[int, int] | None:
    """The largest (cols, rows) per pixel that fits, about 2:1; None if even 1x1 rows won't."""
    px = pixel_width(text)
    for rows in range(height // ROWS, 0, -1):
        for cols in (2 * rows, 2 * rows - 1):
            if cols >= 1 and px * cols <= width:
                return cols, rows
    return None


def render_big(text: str, cols: int, rows: int) -> list[str]:
    """`text` in block pixels of `cols` x `rows` cells (lines are equally long)."""
    lines = []
    for r in range(ROWS):
        glyph_rows = [FONT[c][r] for c in text]
        pixels = ".".join(glyph_rows)
        line = "".join((BLOCK if p == "#" else " ") * cols for p in pixels)
        lines.extend([line] * rows)
    return lines
