"""Checklist coverage from cues and patterns, with evidence."""

from __future__ import annotations

from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.checklist import ChecklistTracker
from consult_assist.knowledge.engine import KnowledgeBase


def final(text: str, utterance: int = 0) -> TranscriptFinal:
    return TranscriptFinal(
        session="s", at=float(utterance), utterance=utterance, start=0, end=1, text=text
    )


def test_cues_and_patterns_cover_items(base: KnowledgeBase) -> None:
    def covered(text: str) -> set[str]:
        return {base.checklist.items[n].id for n in base.checklist.covered(text)}

    assert covered("お子さんはおいくつですか") == {"child-age"}
    assert covered("小学校の4年生です") == {"child-age"}  # pattern on NFKC text
    assert covered("おすまいはどちらですか") == {"child-location"}  # cue, in kana
    assert covered("こんにちは") == set()


def test_tracker_emits_on_change_and_keeps_evidence(base: KnowledgeBase) -> None:
    tracker = ChecklistTracker()
    first = tracker.feed(final("お子さんは何歳ですか", 0), base.checklist)
    assert first is not None
    assert [c.id for c in first.covered] == ["child-age"]
    assert first.covered[0].evidence == "お子さんは何歳ですか"
    assert {m.id for m in first.missing} == {"child-location", "reporter-contact"}
    assert tracker.feed(final("5歳です", 1), base.checklist) is None  # nothing new
    later = tracker.feed(final("連絡先を教えてください", 2), base.checklist)
    assert later is not None and len(later.covered) == 2
    snapshot = tracker.snapshot(base=base.checklist, session="s", at=9.0)
    assert snapshot.at == 9.0 and len(snapshot.missing) == 1
