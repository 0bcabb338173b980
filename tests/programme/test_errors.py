"""Each kind of error, with its exact position and wording; and all of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from timekeeper.errors import ProgrammeError
from timekeeper.programme import InvalidProgrammeError, load_programme

from .helpers import HEAD, messages

QUOTED_1605, QUOTED_TEMPLATE, QUOTED_NO = '"16:05"', '"{speaker}', '"no"'
SLOT = 'slots:\n  - {id: a, title: A, start: "09:00", duration: 30m}\n'


def at(text: str, line: int, token: str) -> str:
    """`test.yaml:LINE:COL` of `token` on 1-based `line` of `text` (no hand-counted columns)."""
    return f"test.yaml:{line}:{text.splitlines()[line - 1].index(token) + 1}"


def _file_errors(path: Path) -> list[str]:
    with pytest.raises(InvalidProgrammeError) as caught:
        load_programme(path)
    return [str(p) for p in caught.value.problems]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert _file_errors(path) == [
        f"{path}: error: no such file; expected the path of a programme YAML file"
    ]


def test_a_directory(tmp_path: Path) -> None:
    assert _file_errors(tmp_path) == [
        f"{tmp_path}: error: this is a directory; expected a programme YAML file"
    ]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("event: {}\n")

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)  # root can read anything; simulate it
    assert _file_errors(path) == [f"{path}: error: cannot read this file: permission denied"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("event:\n  title: Caf\xe9\n".encode("latin-1"))
    assert _file_errors(path) == [
        f"{path}:2:13: error: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    ]


def test_yaml_syntax_error() -> None:
    assert messages(HEAD + "slots:\n  - title: [unclosed\n") == [
        "test.yaml:7:1: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 6)"
    ]


def test_empty_file_and_not_a_mapping() -> None:
    assert messages("# nothing\n") == [
        "test.yaml:1:1: error: the file is empty; a programme needs 'event:' and 'slots:'"
    ]
    assert messages("just text\n") == [
        "test.yaml:1:1: error: expected a mapping with 'event:' and 'slots:' at the top level, "
        "got 'just text'"
    ]


def test_missing_required_keys() -> None:
    assert messages("event:\n  title: T\n  date: 2023-11-20\n") == [
        "test.yaml:1:1: error: missing required key 'timezone' in 'event'; expected IANA "
        "timezone the times are written in, e.g. Europe/Amsterdam.",
        "test.yaml:1:1: error: missing required key 'slots' at the top level; expected the "
        "running order, in time order; at least one slot.",
    ]


def test_unknown_key_suggests_the_closest() -> None:
    text = HEAD + 'slots:\n  - id: keynote\n    title: K\n    start: "9:00"\n    durration: 35m\n'
    assert messages(text) == [
        "test.yaml:9:5: error: unknown key 'durration' in slot 'keynote'; did you mean 'duration'?"
    ]


def test_password_key() -> None:
    assert messages(HEAD + "obs:\n  password: hunter2\n" + SLOT)[0] == (
        "test.yaml:6:3: error: the OBS password never lives in the programme file: remove "
        "'password' and set password_env to the name of an environment variable that holds "
        "it (e.g. OBS_PASSWORD)"
    )


def test_wrong_type_says_what_was_expected() -> None:
    text = HEAD + 'slots:\n  - {title: A, start: "09:00", duration: 5m, hard: "no"}\n'
    assert messages(text) == [
        f"{at(text, 6, QUOTED_NO)}: error: 'hard' in slot 'A': expected true or false, got 'no'"
    ]


def test_unknown_timezone() -> None:
    text = "event: {title: T, date: 2023-11-20, timezone: Amsterdam}\n" + SLOT
    assert messages(text) == [
        "test.yaml:1:47: error: 'timezone' in 'event': unknown timezone 'Amsterdam'; expected "
        "an IANA name such as Europe/Amsterdam; did you mean 'Europe/Amsterdam'?"
    ]


def test_unparseable_duration_and_time() -> None:
    text = HEAD + "slots:\n  - {title: A, start: half past nine, duration: 5 minutes}\n"
    assert messages(text) == [
        f"{at(text, 6, 'half')}: error: 'start' in slot 'A': cannot read 'half past nine' "
        'as a time; expected "15:35", "15:35:30" or "2023-11-21T09:00"',
        f"{at(text, 6, '5 min')}: error: 'duration' in slot 'A': cannot read '5 minutes' as a "
        "duration; expected something like 90s, 5m, 1h30m, 1h 30m, 2d, 500ms or PT5M",
    ]


def test_end_before_start() -> None:
    text = HEAD + 'slots:\n  - title: A\n    start: "10:00"\n    end: "09:30"\n'
    assert messages(text) == [
        "test.yaml:8:10: error: slot 'A' ends at 09:30, before it starts at 10:00; "
        "expected an end after the start"
    ]


def test_overlap_names_both_and_says_by_how_much() -> None:
    text = HEAD + (
        "slots:\n"
        '  - {id: keynote, title: Keynote, start: "15:35", duration: 35m}\n'
        '  - {id: panel, title: Panel, start: "16:05", duration: 1h}\n'
    )
    assert messages(text) == [
        f"{at(text, 7, QUOTED_1605)}: error: slot 'panel' starts at 16:05, "
        "while slot 'keynote' runs until 16:10: they overlap by 5m"
    ]


def test_turns_longer_than_their_slot() -> None:
    text = HEAD + (
        'slots:\n  - title: Panel\n    start: "16:10"\n    duration: 10m\n    turns:\n'
        "      - {speaker: A, duration: 6m}\n      - {speaker: B, duration: 6m}\n"
    )
    assert messages(text) == [
        "test.yaml:9:5: error: the turns of slot 'Panel' add up to 12m, 2m more than the slot (10m)"
    ]


def test_empty_programme() -> None:
    assert messages(HEAD + "slots: []\n") == [
        "test.yaml:5:8: error: the programme has no slots; add at least one under 'slots:'"
    ]


def test_danger_not_below_warning() -> None:
    text = HEAD + 'slots:\n  - {title: A, start: "09:00", duration: 30m, danger: 6m}\n'
    assert messages(text) == [
        f"{at(text, 6, 'danger')}: error: danger (6m) must be shorter than warning (5m) "
        "in slot 'A': the countdown turns to warning first"
    ]


def test_unknown_placeholder() -> None:
    text = HEAD + (
        'slots:\n  - title: A\n    start: "09:00"\n    duration: 30m\n'
        '    texts: {Lower third: "{speaker} - {nxt_title}"}\n'
    )
    assert messages(text) == [
        f"{at(text, 9, QUOTED_TEMPLATE)}: error: 'Lower third' in 'texts' of slot 'A': "
        "unknown placeholder "
        "{nxt_title}; did you mean {next_title}?"
    ]


def test_every_problem_at_once() -> None:
    text = (
        "event:\n  title: T\n  date: 2023-11-20\n  timezone: Europe/Amsterdam\n"
        "  colour: blue\n"  # 5: unknown key
        "slots:\n"
        '  - {id: a, title: A, start: "09:00", duration: 5}\n'  # 7: plain number
        '  - {id: b, title: B, start: "09:30", end: "09:00"}\n'  # 8: end before start
        '  - {id: b, title: C, start: "10:00", duration: 1h}\n'  # 9: duplicate id
        '  - {id: d, title: D, start: "10:30", duration: 1h}\n'  # 10: overlap
    )
    lines = [m.split(":")[1] for m in messages(text) if ": error: " in m]
    assert lines == ["5", "7", "8", "9", "10"]


def test_the_error_is_a_programme_error_and_prints_every_problem() -> None:
    with pytest.raises(ProgrammeError) as caught:
        load_programme(Path("/nonexistent/programme.yaml"))
    assert isinstance(caught.value, InvalidProgrammeError)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    "slot",
    [
        '{title: A, start: "9999-12-31T23:00", duration: 2h}',
        '{title: A, start: "09:00", duration: 99999999d}',
        '{title: A, start: "1850-01-01T09:00", duration: 2h}',
    ],
)
def test_years_out_of_range_are_errors_not_overflows(slot: str) -> None:
    text = HEAD + f"slots:\n  - {slot}\n  - {{title: B, duration: 1h}}\n"
    assert messages(text) == [
        f"{at(text, 6, chr(34))}: error: slot 'A' falls outside the years timekeeper plans "
        "(1900 to 8999)"
    ]


def test_blank_title() -> None:
    text = HEAD + 'slots:\n  - {title: "  ", start: "09:00", duration: 1h}\n'
    assert messages(text) == [
        f"{at(text, 6, QUOTED_BLANK)}: error: 'title' in slot 1: expected some text, "
        "not only spaces"
    ]


QUOTED_BLANK = '"  "'
