"""``bench lookup``: the synthetic manual and the summary, on the fixture manual."""

from __future__ import annotations

import json
from pathlib import Path

from consult_assist.bench.lookup import bench_lookup, synthetic_manual
from consult_assist.knowledge.manual import Manual


def test_synthetic_manual_is_deterministic_and_unique(manual: Manual) -> None:
    first = synthetic_manual(manual, size=40, seed=3)
    again = synthetic_manual(manual, size=40, seed=3)
    assert first == again
    assert len({s.id for s in first.sections}) == 40
    assert first.sections[0].keywords != manual.sections[0].keywords


def test_bench_lookup_summary(manual_dir: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "lookup.jsonl"
    labelled.write_text(
        json.dumps({"id": "a", "text": "泣き声がする", "expected": ["neighbour-crying"]}) + "\n",
        encoding="utf-8",
    )
    attention = tmp_path / "attention.jsonl"
    attention.write_text(
        json.dumps({"id": "a", "text": "死にたい", "words": ["死にたい"], "kind": "clean"}) + "\n",
        encoding="utf-8",
    )
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "call.json").write_text(
        json.dumps(
            {
                "attention_words": ["泣き声"],
                "topics": ["neighbour-crying"],
                "turns": [{"speaker": "caller", "text": "毎晩となりから泣き声がするんです"}],
            }
        ),
        encoding="utf-8",
    )
    summary = bench_lookup(
        manuals=manual_dir,
        labelled=labelled,
        attention=attention,
        samples=samples,
        synthetic_sections=30,
    )
    json.dumps(summary)  # JSON-able
    assert summary["lookup"]["all"]["hit@1"] == 1.0
    assert summary["samples"]["attention_recall"] == 1.0
    assert summary["samples"]["first_topic_shown"] == 1
    assert summary["speed_synthetic"]["sections"] == 30
    assert summary["speed_real"]["feed_per_event"]["p99_ms"] > 0
