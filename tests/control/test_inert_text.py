"""Text typed by others is inert on every terminal and in every CSV, through the real CLI:
a title with escape sequences and a formula, a speaker message with them over the API."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from tests.control.client import ROOT, running, timekeeper

NUMBER = re.compile(r"[-+]?\d[\d:.,]*")
EVIL = '=HYPERLINK(\\"http://x\\",\\"Keynote\\e]0;pwned\\a\\e[2J\\u202e\\")'


def evil_programme(folder: Path) -> Path:
    text = (ROOT / "programme.yaml").read_text()
    assert "    title: Keynote lecture\n" in text
    path = folder / "programme.yaml"
    path.write_text(text.replace("    title: Keynote lecture\n", f'    title: "{EVIL}"\n'))
    return path


def test_check_report_and_export_show_no_escape_and_run_no_formula(tmp_path: Path) -> None:
    programme = evil_programme(tmp_path)
    checked = timekeeper("check", str(programme))
    assert checked.returncode == 0 and "HYPERLINK" in checked.stdout
    assert "\x1b" not in checked.stdout and "\u202e" not in checked.stdout

    exported = timekeeper("export", str(programme), "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    titles = [row["title"] for row in csv.DictReader(io.StringIO(exported.stdout))]
    assert any(t.startswith("'=HYPERLINK(") for t in titles), titles

    logs = tmp_path / "logs"
    logs.mkdir()
    with running(logs, programme=str(programme)) as run:
        assert run.act("jump", {"slot": "keynote", "confirm": True}).status == 200
        sent = run.act("message", {"text": "Wrap up\x1b[2J\x1b]0;owned\x07 now"})
        assert sent.status == 200
        out, _ = run.stop()
        log = run.as_run_log()
    assert "\x1b" not in json.dumps([json.loads(line) for line in out.splitlines()])
    markdown = timekeeper("report", str(log))
    assert markdown.returncode == 0, markdown.stderr
    assert "Wrap up[2J]0;owned now" in markdown.stdout and "\x1b" not in markdown.stdout
    table = timekeeper("report", str(log), "--format", "csv")
    assert "\x1b" not in table.stdout
    cells = [cell for row in csv.reader(io.StringIO(table.stdout)) for cell in row]
    formulas = [c for c in cells if c[:1] in ("=", "@", "+", "-") and not NUMBER.fullmatch(c)]
    assert not formulas and any(c.startswith("'=HYPERLINK(") for c in cells)
