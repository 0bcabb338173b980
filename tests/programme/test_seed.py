"""The repo's programme.yaml is the real seed event and loads to the right instants."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from timekeeper.core.programme import Advance, ObsAction, Transition
from timekeeper.programme import load_programme, load_programme_with_warnings

from .helpers import SEED


def utc(hour: int, minute: int) -> datetime:
    return datetime(2023, 11, 20, hour, minute, tzinfo=UTC)


def test_seed_is_valid_without_warnings() -> None:
    _, warnings = load_programme_with_warnings(SEED)
    assert warnings == []


def test_seed_event() -> None:
    event = load_programme(SEED).event
    assert event.title == "How Artificial Intelligence Fosters Global Inequalities"
    assert event.subtitle == "A Four-Country Study on Data Work"
    assert event.date == date(2023, 11, 20)
    assert event.timezone == "Europe/Amsterdam"
    assert event.venue is not None and "Grote Markt 21, Groningen" in event.venue
    assert event.start is Advance.AUTO


def test_seed_slots_in_utc() -> None:
    """15:30 CET is 14:30 UTC; every instant is a plain aware datetime in datetime.UTC."""
    programme = load_programme(SEED)
    rows = [(s.id, s.title, s.start, s.end, s.scene) for s in programme.slots]
    assert rows == [
        ("introduction", "Introduction", utc(14, 30), utc(14, 35), "Intro"),
        ("keynote", "Keynote lecture", utc(14, 35), utc(15, 10), "Keynote"),
        ("panel", "Panel discussion", utc(15, 10), utc(16, 10), "Panel"),
        ("qa", "Q&A with the participants", utc(16, 10), utc(16, 30), "Q&A"),
        ("reception", "Reception", utc(16, 30), utc(17, 30), "Reception"),
    ]
    for slot in programme.slots:
        assert type(slot.start) is datetime and slot.start.tzinfo is UTC
        assert type(slot.duration) is timedelta


def test_seed_keynote_and_panel() -> None:
    programme = load_programme(SEED)
    keynote = programme.slots[programme.index("keynote")]
    assert [s.label() for s in keynote.speakers] == [
        "Antonio A. Casilli (Institut Polytechnique de Paris)"
    ]
    assert (keynote.warning, keynote.danger) == (timedelta(minutes=5), timedelta(minutes=1))
    panel = programme.slots[programme.index("panel")]
    assert len(panel.speakers) == 7
    assert [t.duration for t in panel.turns] == [timedelta(minutes=3)] + [timedelta(minutes=6)] * 6
    assert panel.duration - sum((t.duration for t in panel.turns), timedelta()) == timedelta(
        minutes=21
    )
    assert all(t.warning == timedelta(minutes=1) for t in panel.turns)
    assert panel.turns_advance is Advance.MANUAL
    assert panel.turns[0].title == "Opening"


def test_seed_obs_and_stream_actions() -> None:
    programme = load_programme(SEED)
    assert programme.obs.configured
    assert programme.obs.password_env == "OBS_PASSWORD"
    assert programme.obs.studio_mode is False
    assert programme.obs.url == "ws://127.0.0.1:4455"
    intro, reception = programme.slots[0], programme.slots[-1]
    assert intro.on_start == (ObsAction.START_STREAMING, ObsAction.START_RECORDING)
    assert reception.on_start == (ObsAction.STOP_STREAMING, ObsAction.STOP_RECORDING)
    assert all(slot.transition == Transition("Fade") for slot in programme.slots)
    assert programme.slots[programme.index("qa")].manual


def test_seed_source_and_digest() -> None:
    programme = load_programme(SEED)
    assert programme.source == str(SEED)
    assert programme.digest == hashlib.sha256(SEED.read_bytes()).hexdigest()


def test_seed_first_line_points_editors_at_the_schema() -> None:
    first = SEED.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schema/programme.schema.json"
