"""Damaged logs: any parseable record a resume or a report cannot trust is refused by its line.

A seeded fuzz (it runs in CI): a logged show, one field of one record at a time set
to a hostile value; reading, resuming and reporting the log must either work or
raise a TimekeeperError (a message and an exit code), never anything else. The CLI
side (exit 2, the line named) is tests/commands/test_restart.py.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.asrun.rig import Rig, on_disk, play
from tests.factories import at, seed
from timekeeper.asrun.errors import LogRecordError
from timekeeper.asrun.log import read_log
from timekeeper.asrun.recover import resume
from timekeeper.asrun.report import build_report, render
from timekeeper.core.clock import ManualClock
from timekeeper.errors import TimekeeperError

HOSTILE: list[Any] = [
    None, -1, 0, 10**9, 2**70, 1e308, -1e308, float("nan"), float("inf"), "", "x", [], {}, True,
    "2023-11-20T16:30:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00",
    {"action": "jump", "slot": 5}, {"action": "extend", "minutes": "5"},
    {"action": "extend", "minutes": 1e300}, {"action": "boom"}, [[[[[]]]]],
]  # fmt: skip
FIELDS = ["at", "real_at", "event", "record", "slot", "turn", "minutes", "action", "sha256"]


def _logged_show(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    prog = on_disk(seed(), tmp_path / "event")
    rig = Rig(prog, at("15:25"), log=tmp_path / "event" / "runs" / "show.jsonl")
    play(rig, "16:40")
    rig.crash()
    lines = rig.path.read_text(encoding="utf-8").splitlines()
    return rig.path, [json.loads(line) for line in lines]


def test_no_hostile_field_crashes_read_resume_or_report(tmp_path: Path) -> None:
    path, records = _logged_show(tmp_path)
    prog = on_disk(seed(), tmp_path / "event")
    rnd = random.Random(20)
    refused = 0
    for _ in range(300):
        mutated = copy.deepcopy(records)
        rec = mutated[rnd.randrange(len(mutated))]
        rec[rnd.choice([*rec, *FIELDS])] = rnd.choice(HOSTILE)
        text = "".join(json.dumps(r) + "\n" for r in mutated)
        path.write_text(text, encoding="utf-8")
        try:
            contents = read_log(path)
            render(build_report(contents, prog), prog, "markdown")
            resume(path, prog, ManualClock(at("16:41")), real_clock=ManualClock(at("16:41")))
        except LogRecordError as exc:
            refused += 1
            assert f"line {exc.line}" in str(exc) and "--fresh" in str(exc)
        except TimekeeperError:
            refused += 1
    assert refused > 50  # most hostile values are refused, with a message


@pytest.mark.parametrize(
    "field, value, why",
    [
        ("action", {"action": "boom"}, "not one timekeeper knows"),
        ("at", "2023-11-20T16:30:00", "no UTC offset"),
        ("action", {"action": "extend", "minutes": float("nan")}, "minutes nan"),
        ("action", {"action": "extend", "minutes": 1e300}, "at most a week"),
    ],
)
def test_a_corrupt_record_is_named_by_its_line_and_nothing_before_it_is_lost(
    tmp_path: Path, field: str, value: object, why: str
) -> None:
    path, records = _logged_show(tmp_path)
    operator = next(i for i, r in enumerate(records) if r.get("event") == "operator")
    records[operator][field] = value
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(LogRecordError) as err:
        read_log(path)
    assert err.value.line == operator + 1 and why in str(err.value)
    assert "again would fail the same way" in str(err.value)
    assert path.read_bytes() == before
