"""The labelled evaluation on the real manuals: fails below the issue's targets.

Targets: lookup top-3 hit rate >= 90 % and top-1 >= 70 % on tests/data/lookup_labelled.jsonl;
attention-word recall 100 % on tests/data/attention_labelled.jsonl and on the sample calls'
sidecars (samples/*.json, caller turns). False alarms are reported, not bounded, except that
they must stay rare on the utterances that contain no attention word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.knowledge.engine import KnowledgeBase
from consult_assist.knowledge.evaluate import (
    evaluate_attention,
    evaluate_lookup,
    evaluate_samples,
    read_jsonl,
)
from consult_assist.knowledge.manual import load_manual

ROOT = Path(__file__).resolve().parents[2]
MANUALS = ROOT / "manuals"
LOOKUP = ROOT / "tests" / "data" / "lookup_labelled.jsonl"
ATTENTION = ROOT / "tests" / "data" / "attention_labelled.jsonl"
SAMPLES = ROOT / "samples"


def _require(*paths: Path) -> None:
    missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"labelled evaluation needs {', '.join(missing)}, which is absent")


@pytest.fixture(scope="module")
def real_base() -> KnowledgeBase:
    _require(MANUALS / "sections", MANUALS / "attention_words.toml", MANUALS / "checklist.toml")
    return KnowledgeBase(load_manual(MANUALS))


def test_lookup_hit_rates(real_base: KnowledgeBase) -> None:
    _require(LOOKUP)
    rows = read_jsonl(LOOKUP)
    assert len(rows) >= 80
    result = evaluate_lookup(real_base, rows)
    overall = result["all"]
    misses = [(m["id"], m["expected"], m["got"]) for m in result["misses@3"]]
    assert overall["hit@3"] >= 0.90, f"top-3 {overall} misses: {misses}"
    assert overall["hit@1"] >= 0.70, f"top-1 {overall}"
    assert result.get("asr", {"hit@3": 1.0})["hit@3"] >= 0.85, result.get("asr")


def test_attention_recall_and_false_alarms(real_base: KnowledgeBase) -> None:
    _require(ATTENTION)
    result = evaluate_attention(real_base.alerts, read_jsonl(ATTENTION))
    assert result["recall"] == 1.0, result["missed"]
    assert result["false_alarms_per_100"] <= 10.0, result["false_alarm_items"]


def test_attention_recall_on_sample_calls(real_base: KnowledgeBase) -> None:
    sidecars = sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []
    if not sidecars:
        pytest.skip("no sample sidecars (samples/*.json) yet")
    result = evaluate_samples(real_base, SAMPLES)
    assert result["attention_recall"] == 1.0, result["attention_missed"]


def test_real_manual_keeps_the_canonical_words(real_base: KnowledgeBase) -> None:
    canonical = [
        "死にたい",
        "自殺",
        "殺される",
        "殺す",
        "血が出て",
        "意識がない",
        "息をしていない",
        "首を絞め",
        "飛び降り",
        "刃物",
        "ぐったり",
        "殴る",
        "蹴る",
        "叩く",
        "虐待",
        "警察",
        "リストカット",
        "性的な",
        "閉じ込め",
        "置き去り",
        "ご飯を食べさせない",
        "怒鳴る",
        "揺さぶ",
        "やけど",
        "あざ",
        "骨折",
        "家出",
        "薬を飲",
        "泣き声",
        "夜中",
        "一人で",
        "学校に来ない",
        "離婚",
        "お酒",
        "育児疲れ",
        "眠れない",
        "お金がない",
        "妊娠",
    ]
    present = {w.word for w in real_base.manual.attention_words}
    assert not set(canonical) - present
