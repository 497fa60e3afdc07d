"""The engine: transcript events in, alert/suggestion/checklist events out."""

from __future__ import annotations

import pytest

from consult_assist.errors import ManualError
from consult_assist.events import (
    Alert,
    Checklist,
    Note,
    SessionEnded,
    SessionStarted,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.knowledge.engine import KnowledgeBase, KnowledgeEngine
from consult_assist.knowledge.manual import Manual

TEXT = "お父さんにいつも殴られて、顔に青いところがあるんです"


def test_partial_raises_alert_first_and_suggests(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    out = engine.feed(
        TranscriptPartial(session="call-1", at=3.5, utterance=0, start=1.0, end=3.4, text=TEXT)
    )
    assert isinstance(out[0], Alert) and out[0].word == "殴る"
    suggestion = next(e for e in out if isinstance(e, Suggestion))
    assert suggestion.items[0].id == "abuse-physical"
    assert all(e.session == "call-1" and e.at == 3.5 and e.seq == 0 for e in out)
    assert not any(isinstance(e, Checklist) for e in out)  # only finals count


def test_the_final_confirms_the_partials_alert_and_asks(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    first = engine.feed(
        TranscriptPartial(session="c", at=1, utterance=0, start=0, end=1, text=TEXT)
    )
    assert [(a.word, a.tentative) for a in first if isinstance(a, Alert)] == [("殴る", True)]
    out = engine.feed(
        TranscriptFinal(session="c", at=2, utterance=0, start=0, end=2, text=TEXT + "。何歳かな")
    )
    alerts = [e for e in out if isinstance(e, Alert)]
    assert [(a.word, a.tentative, a.withdrawn) for a in alerts] == [("殴る", False, False)]
    assert alerts[0].act == "statement"  # the words' own sentence, not the question after
    [checklist] = [e for e in out if isinstance(e, Checklist)]
    assert [c.id for c in checklist.asked] == ["child-age"]  # asked, not covered
    assert not any(c.id == "child-age" for c in checklist.covered)


def test_a_final_without_an_act_gets_one(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    engine.feed(TranscriptFinal(session="c", utterance=0, start=0, end=1, text="何歳ですか"))
    out = engine.feed(
        TranscriptFinal(session="c", utterance=1, start=1, end=2, text="五歳の男の子です")
    )
    [checklist] = [e for e in out if isinstance(e, Checklist)]
    assert [(c.id, c.value, c.act) for c in checklist.covered] == [
        ("child-age", "5歳・男", "answer")
    ]


def test_a_new_call_starts_from_nothing_even_with_the_same_id(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    said = TranscriptFinal(session="c", at=1, utterance=0, start=0, end=1, text=TEXT)
    engine.feed(said)
    assert engine.checklist("c").covered
    assert engine.feed(SessionStarted(session="c")) == []
    assert not engine.checklist("c").covered
    # The words raise their alert again: nothing of the previous call is remembered.
    assert any(isinstance(e, Alert) for e in engine.feed(said))


def test_lookup_has_a_score_floor(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    assert engine.lookup("hello world") == []
    assert engine.lookup("はい") == []
    assert engine.lookup("毎晩となりから泣き声がする")  # a real match still comes through


def test_calls_are_independent_and_end_cleanly(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    event = TranscriptFinal(session="a", at=1, utterance=0, start=0, end=1, text="死にたい")
    assert any(isinstance(e, Alert) for e in engine.feed(event))
    other = TranscriptFinal(session="b", at=1, utterance=0, start=0, end=1, text="死にたい")
    assert any(isinstance(e, Alert) for e in engine.feed(other))
    assert engine.feed(SessionEnded(session="a")) == []
    assert any(isinstance(e, Alert) for e in engine.feed(event))  # state was dropped
    assert engine.feed(Note(session="a", text="x")) == []


def test_lookup_and_section(base: KnowledgeBase) -> None:
    engine = KnowledgeEngine(base)
    items = engine.lookup("毎晩となりから泣き声がする", top_k=2)
    assert items[0].id == "neighbour-crying" and len(items) <= 2
    assert engine.section("neglect").body.startswith("## 概要")
    with pytest.raises(ManualError):
        engine.section("nope")
    assert len(engine.checklist("unknown").missing) == len(engine.base.checklist.items)


def test_replace_keeps_call_state(manual: Manual) -> None:
    engine = KnowledgeEngine(manual)
    event = TranscriptFinal(session="c", at=1, utterance=0, start=0, end=1, text="五歳です")
    engine.feed(event)
    smaller = Manual(
        sections=tuple(s for s in manual.sections if s.id != "neglect"),
        attention_words=manual.attention_words,
        checklist=manual.checklist,
    )
    engine.replace(smaller)
    assert engine.base.manual is smaller
    assert [c.id for c in engine.checklist("c").covered] == ["child-age"]
