"""No schedule makes `timekeeper import` crash: every mutant ends in exit 0 or 2, never a traceback.

The published schedules (read from the shared samples folder, never copied here) and the
repo's own fixtures are mutated with a fixed seed, as bytes (flips, cuts, repeats, line
ends) and as values (hostile dates, durations, numbers, text, zones, nesting put in the
place of a value the reader uses), and each mutant is imported as the user would.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from timekeeper.cli import main

from .conftest import FIXTURES, SampleFinder

SEED = 21_13
#: Per schedule; a longer run: TIMEKEEPER_FUZZ_MUTANTS=5000 (docs/interop.md).
MUTANTS = int(os.environ.get("TIMEKEEPER_FUZZ_MUTANTS", "150"))

HOSTILE_TEXT = [
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "99999999999:00:00",
    "9" * 4400, "00:00", "25:61", "-01:00", "1e999", "", " ", "x" * 3000, "\x1b[2J",
    "Etc/GMT-1", "Not/AZone", "../../etc/passwd", "null", "yes", "2024-02-30T10:00:00",
    "2024-05-01T10:00:00+25:00", "\u202e\u0000", "9999:59", "0:00:00", "１２:００",
]  # fmt: skip
JSON_RAW = ["\"\\ud800\"", "9" * 4400, "1e999", "-0", "[" * 3000 + "]" * 3000, "{}", "[]",
            "null", "true", "123456789012345678901234567890"]  # fmt: skip


def _byte_mutant(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["flip", "cut", "repeat", "cr", "nul", "bom", "insert"])
    at = rng.randrange(len(data))
    if kind == "flip":
        return kind, data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    if kind == "cut":
        return kind, data[:at]
    if kind == "repeat":
        return kind, data[:at] + data[at : at + 400] * rng.randint(2, 50) + data[at:]
    if kind == "cr":
        return kind, data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if kind == "nul":
        return kind, data[:at] + b"\0" + data[at:]
    if kind == "bom":
        return kind, b"\xef\xbb\xbf\xff\xfe" + data
    return kind, data[:at] + rng.choice(HOSTILE_TEXT).encode("utf-8", "replace") + data[at:]


def _json_mutant(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """A hostile value in place of a leaf the reader uses (written raw, so any JSON fits)."""
    text = data.decode("utf-8")
    leaves = [m for m in re.finditer(r'"(\w+)": ("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)',
                                     text)]  # fmt: skip
    leaf = rng.choice(leaves)
    value = rng.choice([*JSON_RAW, *(json.dumps(t) for t in HOSTILE_TEXT)])
    mutant = text[: leaf.start(2)] + value + text[leaf.end(2) :]
    return f"{leaf.group(1)}={value[:30]}", mutant.encode("utf-8", "surrogatepass")


def _xml_mutant(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    text = data.decode("utf-8")
    if rng.random() < 0.1:
        return "encoding", text.replace('encoding="UTF-8"', 'encoding="x-unknown"').encode()
    elements = list(re.finditer(r"<(\w+)>([^<]*)</\1>", text))
    element = rng.choice(elements)
    value = rng.choice(HOSTILE_TEXT).replace("&", "&amp;").replace("<", "&lt;")
    mutant = text[: element.start(2)] + value + text[element.end(2) :]
    return f"<{element.group(1)}>={value[:30]}", mutant.encode("utf-8")


def _csv_mutant(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    rows = [line.split(",") for line in data.decode("utf-8").splitlines()]
    row = rng.randrange(len(rows))
    column = rng.randrange(len(rows[row]))
    value = rng.choice([*HOSTILE_TEXT, "a" * 140_000, '"unclosed', "1", "2"])
    rows[row][column] = value
    end = rng.choice(["\n", "\r\n", "\r"])
    return f"row {row + 1} col {column + 1}={value[:30]}", end.join(map(",".join, rows)).encode()


Mutator = Callable[[bytes, random.Random], tuple[str, bytes]]


def _import_all(
    name: str, data: bytes, room: str, mutator: Mutator, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    rng = random.Random(f"{SEED}/{name}")
    crashes: list[str] = []
    codes: dict[int, int] = {}
    target = tmp_path / f"mutant-{name}"
    for number in range(MUTANTS):
        what, mutant = (_byte_mutant if rng.random() < 0.4 else mutator)(data, rng)
        target.write_bytes(mutant)
        args = ["import", str(target), "--room", room] if number % 4 else [
            "import", str(target), "--list-rooms"]  # fmt: skip
        try:
            code = main(args)
        except Exception as exc:  # the finding: a traceback the user would see
            crashes.append(f"#{number} {what}: {type(exc).__name__}: {str(exc)[:160]}")
            continue
        finally:
            err = capsys.readouterr().err
        assert "Traceback" not in err
        codes[code] = codes.get(code, 0) + 1
        if code == 2:
            assert err.startswith("timekeeper: ") or ": error:" in err, (what, err[:300])
    assert not crashes, "\n".join(crashes)
    assert set(codes) <= {0, 2}, codes
    assert codes.get(0, 0) >= MUTANTS // 10, codes  # the mutants reach past the first check


@pytest.mark.parametrize(
    ("name", "room", "mutator"),
    [
        ("pretalx-democon.json", "Gray Room", _json_mutant),
        ("frab-camp2019.json", "Curie", _json_mutant),
    ],
)
def test_mutated_published_schedules_never_crash_import(
    name: str, room: str, mutator: Mutator, real_sample: SampleFinder, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = real_sample(name)
    _import_all(name, path.read_bytes(), room, mutator, tmp_path, capsys)


@pytest.mark.parametrize(
    ("name", "room", "mutator"),
    [("nightcamp-frab.xml", "Main Hall", _xml_mutant), ("running-order.csv", "Main Hall",
                                                         _csv_mutant)],
)  # fmt: skip
def test_mutated_fixtures_never_crash_import(
    name: str, room: str, mutator: Mutator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import_all(name, (FIXTURES / name).read_bytes(), room, mutator, tmp_path, capsys)
