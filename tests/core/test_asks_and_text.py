"""The one home of what asks first, the burst gate, inert text and CSV cells; a jump over
10,000 slots stays cheap and says how many it skips without listing them."""

from __future__ import annotations

import time

from tests.factories import at, programme, seed, slot
from timekeeper.core.actions import apply
from timekeeper.core.asks import ask, ask_hold, skipped_titles
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.gate import BURST_GAP, BurstGate
from timekeeper.core.state import new_show
from timekeeper.core.status import evaluate
from timekeeper.core.text import csv_cell, inert
from timekeeper.core.transitions import advance


def test_every_surface_gets_the_same_questions() -> None:
    show = seed()
    state, _ = advance(new_show(show, at("15:00")), at("15:00"))
    status = evaluate(state, at("15:00"))
    first = ask(status, Action(ActionKind.NEXT), show.tz, sent=False)
    assert first is not None and first.line() == "Start Introduction now? It is planned for 15:30."
    assert ask(status, Action(ActionKind.NEXT_TURN), show.tz, sent=False) is None
    assert ask(status, Action(ActionKind.EXTEND, 1), show.tz, sent=False) is None
    assert ask_hold(False).question == "Hold the show?"
    assert ask_hold(True).question == "Release the hold?"


def test_the_burst_gate_refuses_a_second_action_and_a_stale_one() -> None:
    gate = BurstGate()
    assert BURST_GAP == 0.08
    assert gate.refusal("osc", 10.0, 10.0) is None
    gate.acted("osc", 10.01)
    assert "burst" in (gate.refusal("osc", 10.05, 10.05) or "")
    assert gate.refusal("api", 10.005, 10.05) is not None  # arrived before the show moved
    assert gate.refusal("api", 10.02, 10.05) is None  # another surface, after the move
    assert gate.refusal("osc", 10.2, 10.2) is None


def test_a_jump_over_ten_thousand_slots_is_cheap_and_summed_up() -> None:
    show = programme([slot("s0", "09:00", 1)] + [slot(f"s{i}", None, 1) for i in range(1, 10000)])
    clock = ManualClock(at("08:59"))
    state = new_show(show, clock.now())
    status = evaluate(state, clock.now())
    question = ask(status, Action(ActionKind.JUMP, slot="s9999"), show.tz, sent=False)
    assert question is not None
    assert "9999 slots skipped: S0, …, S9998." in question.detail
    assert len(question.line()) < 200
    started = time.process_time()
    state, events = apply(state, Action(ActionKind.JUMP, slot="s9999"), clock.now())
    spent = time.process_time() - started
    assert sum(e.kind == "slot_skipped" for e in events) == 9999
    assert spent < 0.4, spent  # copying the records per skipped slot took 0.8-1.7 s
    assert skipped_titles(["a", "b"]) == "Skipped: a, b."


def test_text_is_inert_and_csv_cells_never_run() -> None:
    assert inert("Q&A\x1b[2J\x1b]0;pwned\x07 \u202eevil\u202c") == "Q&A[2J]0;pwned evil"
    assert inert("two\nlines\tx") == "two lines x"
    assert inert("two\r\nlines\x1b\n", lines=True) == "two\nlines\n"
    assert csv_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert [csv_cell(v) for v in ("@SUM(A1)", "+1+1", "-2+3", "\tx", "\rx")] == [
        "'@SUM(A1)", "'+1+1", "'-2+3", "'\tx", "'\rx"
    ]  # fmt: skip
    assert [csv_cell(v) for v in ("-5", "-1:30", "+0:05", "Keynote", 3)] == [
        "-5", "-1:30", "+0:05", "Keynote", 3
    ]  # fmt: skip
