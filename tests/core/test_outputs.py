"""Output intent: what the live position implies for the stream and the recording, whatever
path the show took there, and the once-only actions that bring OBS to it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import at, programme, slot
from timekeeper.core.cues import RunAction, aimed, output_cues
from timekeeper.core.engine import (
    Action,
    ActionKind,
    Outcome,
    ShowState,
    advance,
    apply,
    new_show,
)
from timekeeper.core.outputs import (
    Intents,
    Output,
    describe_changes,
    intent_at,
    intent_in,
    jump_changes,
)
from timekeeper.core.programme import Advance, ObsAction, Programme
from timekeeper.core.status import evaluate
from timekeeper.errors import TransitionError

START_STREAM = ObsAction.START_STREAMING
START_REC = ObsAction.START_RECORDING
STOP_STREAM = ObsAction.STOP_STREAMING
STOP_REC = ObsAction.STOP_RECORDING


def show() -> Programme:
    """Doors (nothing), Intro starts the stream, Keynote starts the recording, Panel, Closing
    stops both at its end."""
    return programme(
        [
            slot("doors", "15:20", 10),
            slot("intro", "15:30", 5, on_start=(START_STREAM,)),
            slot("keynote", "15:35", 35, on_start=(START_REC,)),
            slot("panel", "16:10", 60),
            slot("closing", "17:10", 10, on_end=(STOP_STREAM, STOP_REC)),
        ]
    )


def state_at(prog: Programme, hhmm: str) -> ShowState:
    state, _ = advance(new_show(prog, at("15:00")), at(hhmm))
    return state


def summary(intents: Intents) -> dict[str, tuple[bool, str, bool]]:
    return {o.value: (i.running, i.key, i.skipped) for o, i in intents.items()}


def test_the_plan_implies_each_output_from_its_start_to_its_stop() -> None:
    prog = show()
    assert intent_at(prog, state_at(prog, "15:10")) == {}  # before the show: not ours to say
    assert intent_at(prog, state_at(prog, "15:25")) == {}  # doors: nothing named yet
    assert summary(intent_at(prog, state_at(prog, "15:31"))) == {
        "stream": (True, "intro:on_start:start_streaming", False)
    }
    assert summary(intent_at(prog, state_at(prog, "17:15"))) == {  # closing live: not ended
        "stream": (True, "intro:on_start:start_streaming", False),
        "recording": (True, "keynote:on_start:start_recording", False),
    }
    assert summary(intent_at(prog, state_at(prog, "17:30"))) == {  # the show has ended
        "stream": (False, "closing:on_end:stop_streaming", False),
        "recording": (False, "closing:on_end:stop_recording", False),
    }


def test_a_jump_over_the_slot_that_starts_recording_keeps_its_intent() -> None:
    prog = show()
    state = state_at(prog, "15:31")
    jumped, _ = apply(state, Action(ActionKind.JUMP, slot="panel"), at("15:32"))
    intents = intent_at(prog, jumped)
    assert summary(intents)["recording"] == (True, "keynote:on_start:start_recording", True)
    assert describe_changes([intents[Output.RECORDING]]) == (
        "Recording will start (skipped slot 'Keynote' starts it)."
    )


def test_a_hard_start_that_skips_a_slot_keeps_its_actions() -> None:
    prog = programme(
        [
            slot("talk", "10:00", 20, advance=Advance.MANUAL),  # runs over: nobody moves on
            slot("keynote", "10:20", 20, on_start=(START_REC,)),
            slot("workshop", "10:40", 30, hard=True),
        ]
    )
    state, _ = advance(new_show(prog, at("09:00")), at("10:45"))
    assert [r.outcome for r in state.records] == [Outcome.CUT, Outcome.SKIPPED, Outcome.LIVE]
    assert summary(intent_at(prog, state)) == {
        "recording": (True, "keynote:on_start:start_recording", True)
    }


def test_ending_the_show_early_applies_the_last_slots_stop() -> None:
    prog = show()
    ended, _ = apply(state_at(prog, "16:20"), Action(ActionKind.END), at("16:20"))
    assert {o.value: i.running for o, i in intent_at(prog, ended).items()} == {
        "stream": False,
        "recording": False,
    }


def test_the_jump_dialog_preview_is_what_the_jump_then_implies() -> None:
    """`jump_changes` reads the dashboard's Status; it must agree with the engine's jump."""
    prog = show()
    for now in ("15:10", "15:25", "15:31", "15:40", "16:20"):
        state = state_at(prog, now)
        status = evaluate(state, at(now))
        assert intent_in(status) == intent_at(prog, state)
        for target in range(len(prog.slots)):
            try:
                jumped, _ = apply(
                    state, Action(ActionKind.JUMP, slot=prog.slots[target].id), at(now)
                )
            except TransitionError:
                continue
            after = intent_at(prog, jumped)
            before = intent_at(prog, state)
            expected = [i for o, i in after.items() if o not in before or before[o] != i]
            expected = [i for i in expected if before.get(i.output) is None
                        or before[i.output].running != i.running]  # fmt: skip
            assert jump_changes(status, target) == expected, (now, target)
    status = evaluate(state_at(prog, "15:25"), at("15:25"))
    assert describe_changes(jump_changes(status, 3)) == (
        "Streaming will start (skipped slot 'Intro' starts it); "
        "recording will start (skipped slot 'Keynote' starts it)."
    )
    assert describe_changes(jump_changes(evaluate(state_at(prog, "16:20"), at("16:20")), 4)) == ""


def test_actions_are_asked_once_per_change_and_stops_come_first() -> None:
    before: Intents = {}
    prog = show()
    live = intent_at(prog, state_at(prog, "17:15"))
    cues = output_cues(before, live, at("17:15"), settled=set(), observed={})
    assert [c.key for c in cues] == [
        "intro:on_start:start_streaming",
        "keynote:on_start:start_recording",
    ]
    settled = {c.key for c in cues}
    assert output_cues(live, live, at("17:16"), settled, observed={}) == []
    ended = intent_at(prog, state_at(prog, "17:30"))
    mixed = {Output.RECORDING: live[Output.RECORDING], Output.STREAM: ended[Output.STREAM]}
    cues = output_cues({Output.STREAM: live[Output.STREAM]}, mixed, at("17:30"), set(), {})
    assert [c.key for c in cues] == [
        "closing:on_end:stop_streaming",  # a stop leaves before the switch, a start after it
        "keynote:on_start:start_recording",
    ]


def test_going_back_over_a_stop_starts_the_output_again_with_a_fresh_key() -> None:
    """n by mistake on Closing (its end stops the recording), then b: recording again."""
    prog = show()
    closing = state_at(prog, "17:15")
    ended, _ = apply(closing, Action(ActionKind.NEXT), at("17:16"))
    back, _ = apply(ended, Action(ActionKind.BACK), at("17:17"))
    done = {
        "intro:on_start:start_streaming",
        "keynote:on_start:start_recording",
        "closing:on_end:stop_streaming",
        "closing:on_end:stop_recording",
    }
    stopped = {Output.STREAM: False, Output.RECORDING: False}
    cues = output_cues(intent_at(prog, ended), intent_at(prog, back), at("17:17"), done, stopped)
    stamp = at("17:17").isoformat()
    assert [(c.key, c.again) for c in cues] == [
        (f"intro:on_start:start_streaming@{stamp}", True),
        (f"keynote:on_start:start_recording@{stamp}", True),
    ]
    # OBS already as wanted (someone restarted it by hand): nothing to ask
    running = {Output.STREAM: True, Output.RECORDING: True}
    assert output_cues(intent_at(prog, ended), intent_at(prog, back), at("17:17"), done,
                       running) == []  # fmt: skip


# ---------------------------------------------------------------- whatever the path


@st.composite
def shows(draw: st.DrawFn) -> Programme:
    pool = [
        (),
        (START_STREAM,),
        (START_REC,),
        (STOP_STREAM,),
        (STOP_REC,),
        (START_STREAM, START_REC),
    ]
    specs = []
    minute = 600
    for i in range(draw(st.integers(2, 6))):
        length = draw(st.integers(2, 20))
        specs.append(
            {
                "id": f"s{i}",
                "start": f"{minute // 60:02d}:{minute % 60:02d}",
                "minutes": length,
                "hard": draw(st.booleans()) and i > 0,
                "advance": draw(st.sampled_from([Advance.AUTO, Advance.MANUAL])),
                "on_start": draw(st.sampled_from(pool)),
                "on_end": draw(st.sampled_from(pool)),
            }
        )
        minute += length + draw(st.sampled_from([0, 0, 5]))
    return programme(specs)


ACTIONS = st.one_of(
    st.none(),
    st.sampled_from([Action(ActionKind.NEXT), Action(ActionKind.BACK), Action(ActionKind.END)]),
    st.integers(0, 5).map(lambda i: Action(ActionKind.JUMP, slot=f"s{i}")),
)
T0 = datetime(2023, 11, 20, 8, 50, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(shows(), st.lists(st.tuples(st.integers(0, 40), ACTIONS), max_size=20))
def test_obs_follows_the_intent_of_the_live_position_whatever_the_path(
    prog: Programme, steps: list[tuple[int, Action | None]]
) -> None:
    """A pretend OBS that does what it is asked ends each step as the live position implies,
    and no once-only key is asked twice."""
    state = new_show(prog, T0)
    now = T0
    obs: dict[Output, bool | None] = {Output.STREAM: None, Output.RECORDING: None}
    asked: list[str] = []
    intent: Intents = {}
    for minutes, action in steps:
        now += timedelta(minutes=minutes)
        state, _ = advance(state, now)
        if action is not None:
            with contextlib.suppress(TransitionError):
                state, _ = apply(state, action, now)
        after = intent_at(prog, state)
        cues: list[RunAction] = output_cues(intent, after, now, set(asked), dict(obs))
        intent = aimed(intent, after)
        for cue in cues:
            asked.append(cue.key)
            assert cue.intent is not None
            obs[cue.intent.output] = cue.intent.running
        for output, wanted in after.items():
            assert obs[output] == wanted.running, (output, wanted)
    assert len(asked) == len(set(asked))
