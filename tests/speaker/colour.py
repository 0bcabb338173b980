"""Colour arithmetic for the speaker screens' accessibility tests: contrast and CVD simulation.

Contrast is WCAG 2's ratio. Colour-vision deficiency is simulated with Machado,
Oliveira and Fernandes (2009) at full severity, on linear RGB; differences are
CIE76 ΔE in CIELAB (about 2.3 is just noticeable; 20 and more is plainly different).
"""

from __future__ import annotations

import re

MACHADO = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}

RGB = tuple[float, float, float]


def parse_css(colour: str) -> RGB:
    """`rgb(255, 106, 61)` or `rgba(…)` as 0–255 floats."""
    found = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)", colour)
    assert found, colour
    r, g, b = (float(v) for v in found.groups())
    return (r, g, b)


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def simulate(rgb: RGB, kind: str) -> tuple[float, float, float]:
    """Linear RGB (0–1) as a person with `kind` sees `rgb`."""
    lin = [_linear(c) for c in rgb]
    m = MACHADO[kind]
    out = [min(1.0, max(0.0, sum(m[row][k] * lin[k] for k in range(3)))) for row in range(3)]
    return (out[0], out[1], out[2])


def _lab(lin: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = lin
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def delta_e(a: RGB, b: RGB, kind: str) -> float:
    """How different two colours look to a person with `kind` (CIE76 ΔE)."""
    la, lb = _lab(simulate(a, kind)), _lab(simulate(b, kind))
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)
