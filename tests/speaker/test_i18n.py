"""The speaker screens' languages: every file complete, and the words a speaker reads."""

from __future__ import annotations

import json
import re
import string
from importlib import resources

import pytest

from tests.speaker.scenes import scenes
from timekeeper import cli
from timekeeper.speaker.display import compute_display
from timekeeper.speaker.i18n import LANGUAGES, UnknownLanguage, strings
from timekeeper.speaker.snapshot import parse_snapshot

FILES = resources.files("timekeeper.speaker") / "static" / "i18n"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_there_is_one_file_per_language_and_no_other() -> None:
    found = sorted(p.name for p in FILES.iterdir() if p.name.endswith(".json"))
    assert found == sorted(f"{lang}.json" for lang in LANGUAGES)
    assert {"en", "nl", "de", "fr", "es", "pt"} <= set(LANGUAGES)
    assert any(strings(lang).rtl for lang in LANGUAGES)  # one written right to left


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_string_with_the_same_fields(lang: str) -> None:
    english = json.loads((FILES / "en.json").read_text(encoding="utf-8"))["strings"]
    data = json.loads((FILES / f"{lang}.json").read_text(encoding="utf-8"))
    assert data["lang"] == lang and data["dir"] in {"ltr", "rtl"} and data["name"]
    table = data["strings"]
    missing = sorted(set(english) - set(table))
    extra = sorted(set(table) - set(english))
    assert not missing, f"{lang}.json misses {missing}"
    assert not extra, f"{lang}.json has keys English does not: {extra}"
    for key, text in table.items():
        assert text.strip(), f"{lang}.json: {key} is empty"
        assert fields(text) <= fields(english[key]) | {"H", "HH", "MM"}, (lang, key)
        if key != "time":
            assert fields(text) == fields(english[key]), f"{lang}.json: {key} drops a field"


def test_the_words_a_dutch_speaker_reads() -> None:
    nl = strings("nl")
    shown = {
        name: compute_display(parse_snapshot(raw), now, now, "", nl) for name, raw, now in scenes()
    }
    assert shown["before"].label == "Begint over"
    assert shown["keynote"].label == "Resterend"
    assert shown["keynote"].next == "Hierna: Panel om 16:10"
    assert shown["keynote-warning"].phase_word == "AFRONDEN"
    assert shown["keynote-danger"].phase_word == "NU AFSLUITEN"
    over = shown["panel-turn-over"]
    assert over.phase == "overtime" and over.phase_word == "OVER TIJD"
    assert over.label == "Overtijd" and over.next == "Hierna: Beryl ter Haar, 6:00"
    assert re.fullmatch(r"Panel: nog 55:4\d", over.slot_line), over.slot_line
    assert shown["cut-by-hard-start"].label == "Resterend tot Reception, 17:30 — vaste starttijd"
    assert shown["ended"].label == "Het programma is afgelopen"


def test_french_writes_its_times_its_own_way_and_english_stays_as_it_was() -> None:
    by = {name: (parse_snapshot(raw), now) for name, raw, now in scenes()}
    snap, now = by["keynote"]
    assert (
        compute_display(snap, now, now, "", strings("fr")).next
        == "Ensuite\u202f: Panel à 16\u00a0h\u00a010"
    )
    assert (
        compute_display(snap, now, now, "", strings("de")).next
        == "Als Nächstes: Panel um 16:10 Uhr"
    )
    english = compute_display(snap, now, now)
    assert english.next == "Next: Panel at 16:10" and english.phase_word == ""
    snap, now = by["cut-by-hard-start"]
    assert compute_display(snap, now, now).label == "Remaining until Reception, 17:30 — hard start"
    assert compute_display(snap, now, now, "", strings("ar")).rtl


def test_language_codes_read_as_people_write_them() -> None:
    assert strings("NL").lang == strings("nl-BE").lang == strings("nl_be").lang == "nl"
    assert strings("pt_BR").lang == "pt"
    with pytest.raises(UnknownLanguage, match="choose one of en, nl"):
        strings("tlh")


def test_an_unknown_language_on_the_command_line_exits_2_and_lists_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["speaker", "--lang", "xx"]) == 2
    err = capsys.readouterr().err
    assert "--lang" in err and "en, nl, de, fr, es, pt" in err
