"""No input makes `timekeeper check` crash: it always answers 0 (valid) or 2 (invalid).

Three kinds of input: arbitrary text, text made of YAML's special characters,
and mutations of the seed programme (as text, and as data with junk values
put in random places), which reach deep into validation and the timeline.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timekeeper.cli import main
from timekeeper.core.programme import Programme
from timekeeper.programme import InvalidProgrammeError, load_programme_text

from .helpers import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_LINES = SEED_TEXT.splitlines(keepends=True)
SEED_DATA = yaml.safe_load(SEED_TEXT)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_chars = st.text(
    alphabet=list(":-[]{}&*!|>'\"#%@`,?~<= \n\t.0123456789abcdehmsPTZ+_/\\"), max_size=300
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["15:35", "5m", "PT5M", "2023-11-20", "auto", "-1h"]),
)  # fmt: skip
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _load_never_crashes(text: str) -> None:
    """The library answers with a Programme or an InvalidProgrammeError, nothing else."""
    try:
        result = load_programme_text(text, "fuzz.yaml")
    except InvalidProgrammeError as exc:
        assert exc.problems, "an invalid programme must say why"
        assert all(p.file == "fuzz.yaml" for p in exc.problems)
    else:
        assert isinstance(result, Programme)


def _check_exits_cleanly(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path)])
    assert code in (0, 2)
    assert "Traceback" not in err.getvalue()
    assert (code == 0) == ("START" in out.getvalue())


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "programme.yaml"


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _load_never_crashes(text)


@FUZZ
@given(yaml_chars)
def test_yaml_punctuation(text: str) -> None:
    _load_never_crashes(text)


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_through_the_cli(fuzz_file: Path, data: bytes) -> None:
    _check_exits_cleanly(fuzz_file, data)


@st.composite
def seed_mutations(draw: st.DrawFn) -> str:
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "edit", "insert"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "edit" and lines[index]:
            at = draw(st.integers(0, len(lines[index]) - 1))
            lines[index] = lines[index][:at] + draw(yaml_chars) + lines[index][at + 1 :]
        else:
            lines.insert(index, draw(yaml_chars) + "\n")
        if not lines:
            break
    return "".join(lines)


@FUZZ
@given(seed_mutations())
def test_seed_text_mutations(fuzz_file: Path, text: str) -> None:
    _load_never_crashes(text)
    _check_exits_cleanly(fuzz_file, text)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


SEED_PATHS = _paths(SEED_DATA)[1:]


@st.composite
def seed_data_mutations(draw: st.DrawFn) -> str:
    data = yaml.safe_load(SEED_TEXT)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(SEED_PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@FUZZ
@given(seed_data_mutations())
def test_seed_data_mutations(text: str) -> None:
    _load_never_crashes(text)
