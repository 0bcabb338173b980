"""Slot ids: explicit ones kept, missing ones derived from the title, all unique."""

from __future__ import annotations

import pytest

from timekeeper.programme.ids import derive_ids, slugify

from .helpers import HEAD, load, messages


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Keynote lecture", "keynote-lecture"),
        ("Q&A with the participants", "q-a-with-the-participants"),
        ("  Panel: AI & Labour!  ", "panel-ai-labour"),
        ("Café Molè", "cafe-mole"),
        ("日本語", ""),
        ("x" * 100, "x" * 64),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_derived_ids_avoid_explicit_ones_and_each_other() -> None:
    ids = derive_ids(
        [None, None, "break", None, None], ["Break", "Break", "Coffee", "日本語", "Talk"]
    )
    assert ids == ["break-2", "break-3", "break", "slot-4", "talk"]


def test_ids_in_a_loaded_programme() -> None:
    text = HEAD + (
        "slots:\n"
        '  - {title: Keynote lecture, start: "09:00", duration: 30m}\n'
        "  - {title: Coffee break, duration: 15m}\n"
        "  - {id: talk_2, title: Talk, duration: 15m}\n"
        "  - {title: Coffee break, duration: 15m}\n"
    )
    ids = [slot.id for slot in load(text)[0].slots]
    assert ids == ["keynote-lecture", "coffee-break", "talk_2", "coffee-break-2"]


def test_bad_explicit_id_suggests_a_slug() -> None:
    text = HEAD + 'slots:\n  - {id: Key Note, title: K, start: "09:00", duration: 5m}\n'
    assert messages(text) == [
        "test.yaml:6:10: error: 'id' in slot 'Key Note': slot id 'Key Note' may only use "
        "a-z, 0-9, '-' and '_' and start with a letter or digit (e.g. 'key-note')"
    ]


def test_duplicate_explicit_ids() -> None:
    text = HEAD + (
        "slots:\n"
        '  - {id: talk, title: A, start: "09:00", duration: 10m}\n'
        "  - {id: talk, title: B, duration: 10m}\n"
    )
    assert messages(text) == [
        "test.yaml:7:10: error: duplicate slot id 'talk' (already used by the slot at line 6); "
        "ids must be unique"
    ]
