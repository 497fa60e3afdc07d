"""Suggestion hysteresis: enter, dwell, leave, stable order, emit only on change."""

from __future__ import annotations

import dataclasses

from consult_assist.events import Suggestion
from consult_assist.knowledge.index import Ranked
from consult_assist.knowledge.manual import Manual
from consult_assist.knowledge.suggest import Suggester, SuggestOptions

OPTIONS = SuggestOptions(shown=2, floor=0.1, enter=0.1, leave=0.05, min_dwell_s=10.0)


def ranked(manual: Manual, **scores: float) -> list[Ranked]:
    return [
        Ranked(section=manual.section(k.replace("_", "-")), score=v)
        for k, v in sorted(scores.items(), key=lambda kv: -kv[1])
    ]


def ids(event: Suggestion | None) -> list[str] | None:
    return None if event is None else [i.id for i in event.items]


def test_enters_on_a_clear_utterance_and_ignores_noise(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    assert (
        s.update(ranked(manual, neglect=0.15), session="c", utterance=0, final=True, at=1) is None
    )
    event = s.update(ranked(manual, neglect=0.3), session="c", utterance=1, final=True, at=2)
    assert ids(event) == ["neglect"]
    assert event is not None and event.session == "c" and event.at == 2 and event.seq == 0


def test_partial_brings_it_in_early_and_final_does_not_repeat(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    first = s.update(ranked(manual, neglect=0.4), session="c", utterance=0, final=False, at=1)
    assert ids(first) == ["neglect"]
    again = s.update(ranked(manual, neglect=0.45), session="c", utterance=0, final=True, at=2)
    assert again is None


def test_dwells_then_leaves(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    s.update(ranked(manual, neglect=0.4), session="c", utterance=0, final=True, at=1)
    # Chit-chat right after: still shown (dwell), no event.
    for n in range(1, 4):
        assert s.update([], session="c", utterance=n, final=True, at=1 + n) is None
    # Long after, with the context decayed: it leaves.
    gone = None
    for n in range(4, 30):
        gone = gone or s.update([], session="c", utterance=n, final=True, at=10 + n)
    assert ids(gone) == []


def test_no_flicker_when_a_partial_is_revised(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    s.update(ranked(manual, neglect=0.4), session="c", utterance=0, final=False, at=1)
    # The final turned out to be about something else: the list stays for its dwell.
    assert s.update([], session="c", utterance=0, final=True, at=2) is None


def test_order_is_stable_unless_clearly_overtaken(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    s.update(ranked(manual, neglect=0.5, line_189=0.45), session="c", utterance=0, final=True, at=1)
    event = s.update(
        ranked(manual, neglect=0.2, line_189=0.22), session="c", utterance=1, final=True, at=2
    )
    assert event is None  # line-189 is ahead now, but not by the margin
    event = s.update(ranked(manual, line_189=0.9), session="c", utterance=2, final=True, at=3)
    assert ids(event) == ["line-189", "neglect"]


def test_displaces_weakest_only_after_dwell(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    s.update(ranked(manual, neglect=0.5, line_189=0.3), session="c", utterance=0, final=True, at=1)
    strong = ranked(manual, abuse_physical=0.9)
    assert s.update(strong, session="c", utterance=1, final=True, at=2) is None
    event = s.update(strong, session="c", utterance=2, final=True, at=20)
    assert event is not None and "abuse-physical" in ids(event)  # type: ignore[operator]


def test_handler_speech_counts_less(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    assert (
        s.update(
            ranked(manual, neglect=0.18),
            session="c",
            utterance=0,
            final=True,
            at=1,
            speaker="handler",
        )
        is None
    )


def test_forget_drops_removed_sections(manual: Manual) -> None:
    s = Suggester(OPTIONS)
    s.update(ranked(manual, neglect=0.5), session="c", utterance=0, final=True, at=1)
    s.forget({"neglect"})
    event = s.update([], session="c", utterance=1, final=True, at=2)
    assert ids(event) == []


def test_the_opening_section_leaves_once_the_call_has_moved_on(manual: Manual) -> None:
    greeting = dataclasses.replace(manual.section("neglect"), id="call-opening", phase="opening")
    other = manual.section("abuse-physical")
    s = Suggester(OPTIONS)
    first = s.update(
        [Ranked(section=greeting, score=0.4)], session="c", utterance=0, final=True, at=1
    )
    assert ids(first) == ["call-opening"]
    # Another topic comes up: the greeting goes, although its dwell has not passed.
    moved = s.update(
        [Ranked(section=other, score=0.5), Ranked(section=greeting, score=0.4)],
        session="c",
        utterance=1,
        final=True,
        at=3,
    )
    assert ids(moved) == ["abuse-physical"]
    # And it does not come back later in the call.
    later = s.update(
        [Ranked(section=greeting, score=0.9)], session="c", utterance=2, final=True, at=40
    )
    assert later is None or "call-opening" not in (ids(later) or [])


def test_the_opening_section_leaves_after_its_time_alone(manual: Manual) -> None:
    greeting = dataclasses.replace(manual.section("neglect"), id="call-opening", phase="opening")
    s = Suggester(dataclasses.replace(OPTIONS, opening_s=30.0))
    s.update([Ranked(section=greeting, score=0.4)], session="c", utterance=0, final=True, at=1)
    gone = s.update(
        [Ranked(section=greeting, score=0.4)], session="c", utterance=1, final=True, at=31
    )
    assert ids(gone) == []


def test_a_section_shown_long_enough_gives_way_to_a_new_topic(manual: Manual) -> None:
    options = SuggestOptions(
        shown=1,
        floor=0.0,
        enter=0.05,
        leave=0.01,
        min_dwell_s=5,
        seen_s=20,
        seen_weight=0.5,
        swap_margin=0.02,
        window=1,
        decay=1.0,
    )
    s = Suggester(options)
    s.update(ranked(manual, neglect=0.4), session="c", utterance=0, final=True, at=1)
    # Shortly after, a weaker topic cannot displace it...
    assert (
        s.update(
            ranked(manual, neglect=0.4, abuse_physical=0.3),
            session="c",
            utterance=1,
            final=True,
            at=10,
        )
        is None
    )
    # ...but once it has been seen for a while, the new topic gets its turn.
    turn = s.update(
        ranked(manual, neglect=0.4, abuse_physical=0.3), session="c", utterance=2, final=True, at=25
    )
    assert ids(turn) == ["abuse-physical"]


def test_related_sections_come_up_behind_a_shown_one(manual: Manual) -> None:
    main = dataclasses.replace(manual.section("neglect"), related=("abuse-physical",))
    options = SuggestOptions(shown=3, floor=0.0, enter=0.05, related_weight=0.5)
    s = Suggester(options)
    event = s.update(
        [Ranked(section=main, score=0.4)],
        session="c",
        utterance=0,
        final=True,
        at=1,
        catalog={"abuse-physical": manual.section("abuse-physical")},
    )
    assert ids(event) == ["neglect", "abuse-physical"]  # never ranked itself
    assert event is not None and event.items[1].score == 0.2


def test_the_section_of_a_word_said_as_a_fact_is_shown_at_once(manual: Manual) -> None:
    s = Suggester(SuggestOptions(shown=1, floor=0.0, enter=0.05, min_dwell_s=30.0))
    s.update(ranked(manual, neglect=0.5), session="c", utterance=0, final=True, at=1)
    # Well within neglect's dwell, and weaker: still shown at once, as its word is in the banner.
    event = s.update(
        ranked(manual, neglect=0.5, abuse_physical=0.1),
        session="c",
        utterance=1,
        final=True,
        at=2,
        urgent=["abuse-physical"],
    )
    assert ids(event) == ["abuse-physical"]


def test_a_greeting_suggests_nothing_but_the_opening(manual: Manual) -> None:
    greeting = dataclasses.replace(manual.section("neglect"), id="call-opening", phase="opening")
    s = Suggester(OPTIONS)
    event = s.update(
        [Ranked(section=greeting, score=0.4), *ranked(manual, abuse_physical=0.35)],
        session="c",
        utterance=0,
        final=True,
        at=1,
    )
    assert ids(event) == ["call-opening"]
