"""Labelled evaluation: lookup hit rates, attention recall, the sample calls' sidecars."""

from __future__ import annotations

import json
from pathlib import Path

from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.engine import KnowledgeBase
from consult_assist.knowledge.evaluate import (
    evaluate_attention,
    evaluate_lookup,
    evaluate_samples,
    utterance_events,
)


def test_evaluations(base: KnowledgeBase) -> None:
    lookup = evaluate_lookup(
        base,
        [
            {
                "id": "a",
                "text": "いつも同じ服で臭いがする",
                "expected": ["neglect"],
                "kind": "clean",
            },
            {"id": "b", "text": "なにもない", "expected": ["line-189"], "kind": "asr"},
            {"id": "c", "text": "x", "expected": ["not-in-manual"], "kind": "clean"},
        ],
    )
    assert lookup["all"]["n"] == 2 and lookup["skipped"] == 1
    assert lookup["clean"]["hit@1"] == 1.0
    attention = evaluate_attention(
        base.alerts,
        [
            {"id": "a", "text": "しにたい", "words": ["死にたい"], "kind": "asr"},
            {"id": "b", "text": "こんにちは", "words": [], "kind": "none"},
            {"id": "c", "text": "殴ったりはしてない", "words": ["殴る"], "kind": "negation"},
        ],
    )
    assert attention["recall"] == 1.0 and attention["false_alarms"] == 0


def test_each_text_becomes_growing_partials_then_one_final() -> None:
    events = utterance_events(["あ" * 20, "短い"], "s")
    first = [e for e in events if e.utterance == 0]
    assert [type(e) for e in first] == [TranscriptPartial, TranscriptPartial, TranscriptFinal]
    assert [len(e.text) for e in first] == [8, 16, 20]
    assert [type(e) for e in events if e.utterance == 1] == [TranscriptFinal]
    times = [e.at for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_samples_report_missed_words_and_topics(base: KnowledgeBase, tmp_path: Path) -> None:
    sidecar = {
        "attention_words": ["泣き声", "死にたい"],
        "topics": ["neighbour-crying"],
        "turns": [
            {"speaker": "caller", "text": "毎晩となりから泣き声がするんです"},
            {"speaker": "handler", "text": "死にたいと言っていましたか"},
        ],
    }
    (tmp_path / "call.json").write_text(json.dumps(sidecar), encoding="utf-8")
    summary = evaluate_samples(base, tmp_path)
    assert summary["calls"] == 1 and summary["attention_words"] == 2
    # Said only by the handler: a caller-turn recall must not count it.
    assert summary["attention_missed"] == [{"call": "call", "word": "死にたい"}]
    assert summary["attention_recall"] == 0.5
    assert summary["first_topic_shown"] == 1
