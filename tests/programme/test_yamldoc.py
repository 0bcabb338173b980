"""The safe YAML reader: marks, plain data only, and bounded work for any input."""

from __future__ import annotations

import os

import pytest
import yaml
import yaml.scanner
from hypothesis import given, settings
from hypothesis import strategies as st

from timekeeper.programme import yamlbounds, yamldoc
from timekeeper.programme.diagnostics import Report
from timekeeper.programme.yamlbounds import MAX_DEPTH
from timekeeper.programme.yamldoc import compose


def _compose(text: str) -> tuple[object, Report]:
    report = Report("t.yaml")
    result = compose(text, report)
    return (result[0] if result else None), report


def _errors(text: str) -> list[str]:
    return [str(p) for p in _compose(text)[1].problems]


def test_times_and_dates_stay_text_other_scalars_are_typed() -> None:
    data, report = _compose(
        "a: 15:35\nb: 2023-11-20\nc: 1:30:00\nd: yes\ne: 3\nf: 1.5\ng: ~\nh: '7'\ni: 0b_\n"
    )
    assert not report.problems
    assert data == {
        "a": "15:35", "b": "2023-11-20", "c": "1:30:00", "d": True,
        "e": 3, "f": 1.5, "g": None, "h": "7", "i": "0b_",
    }  # fmt: skip


def test_marks_of_keys_and_values() -> None:
    result = compose("slots:\n  - title: A\n    duration: 5m\n", Report("t"))
    assert result is not None
    _, locations = result
    assert locations.key(("slots", 0, "duration")) == (2, 4)
    assert locations.value(("slots", 0, "duration")) == (2, 14)
    assert locations.value(("slots", 0)) == (1, 4)
    assert locations.value(("slots", 0, "nothing", "here")) == (1, 4)  # nearest parent


def test_python_tags_are_reported_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object) -> int:
        raise AssertionError("a YAML tag ran code")

    monkeypatch.setattr(os, "system", explode)
    errors = _errors(
        'a: !!python/object/apply:os.system ["echo pwned"]\n'
        "b: !!python/name:os.system x\n"
        "c: !custom 3\n"
    )
    assert errors == [
        "t.yaml:1:4: error: YAML tag '!!python/object/apply:os.system' is not allowed here",
        "t.yaml:2:4: error: YAML tag '!!python/name:os.system' is not allowed: a programme "
        "holds only text, numbers, true/false, lists and mappings",
        "t.yaml:3:4: error: YAML tag '!custom' is not allowed: a programme holds only text, "
        "numbers, true/false, lists and mappings",
    ]


def test_standard_tags_are_fine() -> None:
    data, report = _compose("a: !!str 15\nb: !!int '7'\nc: !!map {x: 1}\n")
    assert not report.problems
    assert data == {"a": "15", "b": 7, "c": {"x": 1}}


def test_duplicate_keys() -> None:
    assert _errors("a: 1\nb: 2\na: 3\n") == [
        "t.yaml:3:1: error: duplicate key 'a' (first given at line 1); keep only one"
    ]


def test_aliases_and_merge_keys() -> None:
    data, report = _compose(
        "base: &base {scene: Panel, hard: true}\n"
        "slot:\n  <<: *base\n  hard: false\n  title: T\n"
        "list: [*base, *base]\n"
    )
    assert not report.problems
    assert data["slot"] == {"scene": "Panel", "hard": False, "title": "T"}  # type: ignore[index]
    assert data["list"] == [{"scene": "Panel", "hard": True}] * 2  # type: ignore[index]


def test_bad_aliases() -> None:
    assert _errors("a: *nowhere\n") == [
        "t.yaml:1:4: error: unknown alias '*nowhere': define '&nowhere' first"
    ]
    assert _errors("a: &x [1, *x]\n") == [
        "t.yaml:1:11: error: alias '*x' refers to a value that contains it"
    ]
    assert "merges a mapping" in _errors("a:\n  <<: 3\n")[0]


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    errors = _errors("\n".join(lines) + "\n")
    assert len(errors) == 1 and "aliases expand the document beyond" in errors[0]


# The parsers timekeeper may meet: libyaml through PyYAML's C extension (with a nesting
# limit of its own from PyYAML 6.0.3 on) and PyYAML's pure-Python parser (no limit).
_PARSERS = [pytest.param(yaml.SafeLoader, id="python")]
if hasattr(yaml, "CSafeLoader"):
    _PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


class _StrictParser(yaml.SafeLoader):
    """A library stricter than timekeeper: it refuses flow nesting beyond 10 levels."""

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        if self.flow_level >= 10:
            raise yaml.scanner.ScannerError(
                "while increasing flow level", None, "exceeded maximum nesting depth",
                self.get_mark(),
            )  # fmt: skip
        super().fetch_flow_collection_start(TokenClass)


@pytest.fixture(params=_PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(yamldoc, "_PARSER", request.param)
    return request.param


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize("opener", ["[", "{a: ", "- ["])
def test_deep_flow_nesting_is_bounded_whatever_the_parser(opener: str) -> None:
    text = opener * 100_000
    errors = _errors(text)
    assert len(errors) == 1
    assert errors[0].endswith("error: the document nests deeper than 64 levels")
    assert errors[0].startswith(f"t.yaml:1:{_column_of_level(text, MAX_DEPTH + 1)}:")


def _column_of_level(text: str, level: int) -> int:
    """1-based column of the bracket that opens `level` in a one-line text."""
    seen = 0
    for index, char in enumerate(text):
        if char in "[{":
            seen += 1
            if seen == level:
                return index + 1
    raise AssertionError("not that deep")


@pytest.mark.usefixtures("parser")
def test_deep_block_nesting_is_bounded_whatever_the_parser() -> None:
    text = "".join(f"{'  ' * level}k{level}:\n" for level in range(200)) + "  " * 200 + "x: 1\n"
    assert _errors(text) == ["t.yaml:65:129: error: the document nests deeper than 64 levels"]


@pytest.mark.usefixtures("parser")
def test_nesting_at_the_limit_is_read() -> None:
    data, report = _compose("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert not report.problems
    for _ in range(MAX_DEPTH - 1):
        assert isinstance(data, list) and len(data) == 1
        data = data[0]
    assert data == []


@pytest.mark.usefixtures("parser")
def test_brackets_in_text_do_not_count_as_nesting() -> None:
    deep = "[" * 100
    text = (
        f"a: '{deep}'\n"
        f'b: "{deep}\\"{deep}"\n'
        f"c: x{deep}\n"
        f"# {deep}\n"
        f"d: |\n  {deep}\n  {deep}\n"
        f"e: >-\n    {deep}\n"
        f"f: [it's, '{deep}']\n"
    )
    data, report = _compose(text)
    assert not report.problems, report.problems
    assert isinstance(data, dict)
    assert data["a"] == deep and data["c"] == "x" + deep and data["f"] == ["it's", deep]
    assert data["d"] == f"{deep}\n{deep}\n"


def test_a_stricter_library_is_reported_in_our_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamldoc, "_PARSER", _StrictParser)
    assert _errors("a: " + "[" * 20 + "]" * 20 + "\n") == [
        "t.yaml:1:14: error: the document nests deeper than 64 levels"
    ]


def test_the_seed_programme_passes_the_bound() -> None:
    from pathlib import Path

    seed = (Path(__file__).parents[2] / "programme.yaml").read_text()
    assert yamlbounds.too_deep(seed) is None
    assert yamlbounds.too_deep(seed, limit=1) is None  # block collections are not its job


def test_complex_keys_are_rejected() -> None:
    data, report = _compose("? [a, b]\n: 1\nc: 2\n")
    assert [str(p) for p in report.problems] == [
        "t.yaml:1:3: error: a key must be plain text, not a list, mapping or alias"
    ]
    assert data == {"c": 2}


def test_one_document_only() -> None:
    assert _errors("a: 1\n---\nb: 2\n") == [
        "t.yaml:2:1: error: a programme file holds one YAML document; "
        "remove this second one (after '---')"
    ]


def test_control_characters() -> None:
    assert _errors("a: 1\nb: x\x07y\n") == [
        "t.yaml:2:5: error: the file contains the control character U+0007, which YAML does "
        "not allow; expected plain text (is this really a programme file?)"
    ]


def test_syntax_error_marks() -> None:
    assert _errors("a: [1, 2\nb: 3\n") == [
        "t.yaml:2:2: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 1)"
    ]
    tab = _errors("a:\n\tb: 1\n")
    assert tab and tab[0].startswith("t.yaml:2:1: error: invalid YAML:")


def _deepest(text: str) -> int | None:
    """How deep the pure-Python parser nests `text`; None when it is not valid YAML."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return deepest


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]{},:-#'\"|> \na\\", max_size=60))
def test_the_bound_never_refuses_what_nests_within_it(text: str) -> None:
    """Sound: whenever the pre-scan says 'deeper than 3', YAML agrees (or the text is not YAML)."""
    if yamlbounds.too_deep(text, limit=3) is not None:
        deepest = _deepest(text)
        assert deepest is None or deepest > 3, text
