"""The running-late proposal on the seed (docs/running-late.md): who gives way, and why."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import at, mins
from timekeeper.core.diff import running_diff
from timekeeper.core.engine import Action, ActionKind, apply, new_show
from timekeeper.core.programme import GiveWay, LatePolicy, Programme
from timekeeper.core.proposal import Lengths, Proposal, misses, propose
from timekeeper.core.rehearse import NotLive, late_show
from timekeeper.core.revise import revise
from timekeeper.core.status import evaluate
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.loader import load_programme_text
from timekeeper.programme.proposaltext import explain, headline

SEED = Path(__file__).parent.parent.parent / "programme.yaml"
PANELLISTS = ["Beryl ter Haar", "Tatiana Llaguno Nieves", "Seonok Lee", "Wike Been"]
PANELLISTS += ["Femke Cnossen", "George Azzopardi"]


def seed() -> Programme:
    return load_programme_text(SEED.read_text(encoding="utf-8"), "programme.yaml")


def with_slot(programme: Programme, slot_id: str, **changes: object) -> Programme:
    slots = [replace(s, **changes) if s.id == slot_id else s for s in programme.slots]  # type: ignore[arg-type]
    return replace(programme, slots=tuple(slots))


def proposal_for(programme: Programme, late: float, when: str) -> Proposal:
    state = late_show(programme, mins(late), at(when))
    proposal = propose(state, at(when))
    assert proposal is not None
    return proposal


def test_keynote_seven_minutes_over_the_panel_turns_and_the_qa_give_way() -> None:
    prog = seed()
    state = late_show(prog, mins(7), at("16:17"))
    assert evaluate(state, at("16:17")).live.slot.id == "panel"  # type: ignore[union-attr]
    assert [m.late for m in misses(state, at("16:17"))] == [mins(7)]  # the end: 18:37
    proposal = propose(state, at("16:17"))
    assert proposal is not None and proposal.overrun == timedelta(0)
    new = proposal.programme
    panel, qa = new.slots[new.index("panel")], new.slots[new.index("qa")]
    assert [t.duration for t in panel.turns] == [mins(3)] + [mins(5)] * 6
    assert panel.duration == mins(54) and qa.duration == mins(19)
    assert new.slots[new.index("keynote")] == prog.slots[prog.index("keynote")]
    assert new.slots[-1] == prog.slots[-1]  # the reception: the show's close
    assert headline(proposal, new) == (
        "Running late: the end of the show (18:30) is forecast +7:00 late"
    )
    assert explain(proposal, new) == [
        "Panel discussion: turns 6:00 → 5:00 (−6:00)",
        "Q&A with the participants 20:00 → 19:00 (−1:00)",
        "Reception stays at 17:30; the show ends at 18:30 as planned",
    ]
    revised, _ = revise(state, new, at("16:17"), by="proposal")
    status = evaluate(revised, at("16:17"))
    reception = status.slots[new.index("reception")]
    assert reception.expected_start == at("17:30")


def test_the_proposal_is_a_revision_with_the_live_edit_diff() -> None:
    state = late_show(seed(), mins(7), at("16:17"))
    proposal = propose(state, at("16:17"))
    assert proposal is not None
    revised, _ = revise(state, proposal.programme, at("16:17"), by="proposal")
    lines = render_diff(
        running_diff(state, revised, at("16:17")), state.programme, revised.programme
    )
    panel = lines[0]
    assert panel.startswith("~ 'Panel discussion': 54 min (was 1 h); Beryl ter Haar 6:00 → 5:00")
    assert "Wike Been 6:00 → 5:00" in panel and "Michele Molè" not in panel
    assert "~ 'Q&A with the participants': 19 min (was 20 min)" in lines
    assert "  expected 'Reception' 17:30 (was 17:37, −7:00)" in lines


def test_the_same_show_gives_the_same_proposal() -> None:
    one = proposal_for(seed(), 7, "16:17")
    two = proposal_for(seed(), 7, "16:17")
    assert one == two


def _introduction_over(programme: Programme) -> Proposal:
    """The introduction is given 7 more minutes at 15:33: the keynote has not started."""
    state = new_show(programme, at("15:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=7), at("15:33"))
    proposal = propose(state, at("15:34"))
    assert proposal is not None
    return proposal


def test_a_late_introduction_shortens_the_keynote_unless_it_is_fixed() -> None:
    default = _introduction_over(seed())
    assert "keynote" in {s.slot_id for s in default.shortenings}  # the longest gives first
    assert "introduction" not in {s.slot_id for s in default.shortenings}  # live: the operator's
    fixed = _introduction_over(with_slot(seed(), "keynote", give_way=GiveWay(fixed=True)))
    assert "keynote" not in {s.slot_id for s in fixed.shortenings}
    keynote = fixed.programme.slots[fixed.programme.index("keynote")]
    assert keynote.duration == mins(35)
    assert fixed.overrun == timedelta(0)


def test_a_delay_too_large_says_by_how_much_the_show_still_overruns() -> None:
    proposal = proposal_for(seed(), 60, "17:10")  # the keynote ran an hour over
    # the panel's turns give 19:30 (its opening 1:30, six panellists 3:00 each; the
    # discussion is the moderator's), the Q&A 10:00: 29:30 of the 60 minutes
    assert proposal.overrun == mins(30.5)
    new = proposal.programme
    assert explain(proposal, new)[-1] == "the show still ends 30:30 late (19:00:30)"
    qa = new.slots[new.index("qa")]
    assert qa.duration == mins(10)  # half, and no less


def test_the_order_of_the_policy_gives_way_first() -> None:
    prog = replace(seed(), late=LatePolicy(order=("qa",)))
    proposal = proposal_for(prog, 7, "16:17")
    assert [(s.slot_id, s.after) for s in proposal.shortenings] == [("qa", mins(13))]


def test_a_hard_start_is_met_by_what_runs_before_it() -> None:
    prog = with_slot(seed(), "reception", hard=True)
    proposal = proposal_for(prog, 7, "16:17")
    assert [(m.target.slot_id, m.target.end, m.late) for m in proposal.before] == [
        ("reception", False, mins(7)),  # it would cut the Q&A by 7 minutes
        ("reception", True, timedelta(0)),  # the show ends on time anyway
    ]
    assert proposal.overrun == timedelta(0)
    assert explain(proposal, proposal.programme) == [
        "Panel discussion: turns 6:00 → 5:00 (−6:00)",
        "Q&A with the participants 20:00 → 19:00 (−1:00)",
        "Reception stays at 17:30 (hard start)",
    ]


def test_within_the_threshold_nothing_is_proposed() -> None:
    state = late_show(seed(), mins(1), at("16:11"))
    assert propose(state, at("16:11")) is None  # 1:00 late is not more than 1:00
    assert propose(late_show(seed(), mins(2), at("16:12")), at("16:12")) is not None


def test_a_panellist_who_has_spoken_is_untouched() -> None:
    state = late_show(seed(), mins(7), at("16:17"))
    for minute in ("16:20", "16:26", "16:32"):  # opening, Beryl, Tatiana have spoken
        state, _ = apply(state, Action(ActionKind.NEXT_TURN), at(minute))
    proposal = propose(state, at("16:33"))
    assert proposal is not None
    changed = {s.speaker for s in proposal.shortenings if s.turn is not None}
    assert changed.isdisjoint({"Michele Molè", "Beryl ter Haar", "Tatiana Llaguno Nieves"})
    assert "Seonok Lee" in changed  # live since 16:32: her own time left gives way


def test_rehearsing_before_the_show_starts_says_so() -> None:
    with pytest.raises(NotLive, match="no slot is live at 15:23:00"):
        late_show(seed(), mins(7), at("15:30"))


def test_the_logged_lengths_give_the_proposal_again_and_take_it_back() -> None:
    state = late_show(seed(), mins(7), at("16:17"))
    proposal = propose(state, at("16:17"))
    assert proposal is not None
    logged = Lengths.from_json(json.loads(json.dumps(proposal.lengths.to_json())))
    assert logged == proposal.lengths
    assert logged.apply(state.programme) == proposal.programme  # what a resume replays
    assert proposal.undo.apply(proposal.programme) == state.programme  # what u applies
    with pytest.raises(ValueError, match="not a proposal's length"):
        Lengths.from_json([{"slot": "panel", "turn": 1}])
