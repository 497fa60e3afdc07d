"""``bench risk`` on a tiny labelled set: the metrics count what they say."""

from __future__ import annotations

import json
from pathlib import Path

from consult_assist.bench.riskbench import run_risk_bench

ROOT = Path(__file__).resolve().parents[2]


def _data(tmp_path: Path) -> Path:
    turns = [
        {"id": "a1", "turns": [{"speaker": "caller", "text": "首を絞められたって言うんです。"}],
         "items": ["likely_serious_harm"], "subitems": ["strangling"], "severe": True,
         "variant": "clean", "kind": "establishes", "note": ""},
        {"id": "a2", "turns": [{"speaker": "handler", "text": "叩かれたりしていない？"}],
         "items": [], "subitems": [], "severe": False, "variant": "clean",
         "kind": "handler_question", "note": ""},
        {"id": "a3", "turns": [{"speaker": "caller", "text": "お金がなくて困ってます。"}],
         "items": ["environment", "parent_factors"], "subitems": [], "severe": False,
         "variant": "clean", "kind": "establishes", "note": "parent_factors is not said"},
        {"id": "a4", "turns": [{"speaker": "caller", "text": "くびをしめられた"}],
         "items": ["likely_serious_harm"], "subitems": ["strangling"], "severe": True,
         "variant": "asr", "kind": "establishes", "note": "", "source": "a1"},
    ]  # fmt: skip
    (tmp_path / "risk_turns.jsonl").write_text(
        "\n".join(json.dumps(t, ensure_ascii=False) for t in turns) + "\n", encoding="utf-8"
    )
    calls = tmp_path / "risk_calls"
    calls.mkdir()
    lines = [{"speaker": "caller", "text": "娘が死にたいって言うんです。", "at": 3.0}]
    (calls / "c1.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    labels = {"c1.jsonl": {"tier": "緊急一時保護を検討", "items": {}, "severe": [], "reason": ""}}
    (calls / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_the_summary_counts_recall_precision_severe_and_tiers(tmp_path: Path) -> None:
    summary = run_risk_bench(ROOT / "manuals", _data(tmp_path))
    clean = summary["turns"]["clean"]
    assert clean["records"] == 3
    assert clean["item_recall"] == round(2 / 3, 4)  # parent_factors in a3 is missed
    assert clean["item_precision"] == 1.0
    assert clean["severe_recall"] == 1.0
    assert clean["items_ticked_by_handler_questions"] == 0
    assert [m["id"] for m in clean["misses"]] == ["a3"]
    assert summary["turns"]["asr"]["severe_recall"] == 1.0
    calls = summary["calls"]["clean"]
    assert (calls["tier_exact"], calls["tier_below_label"]) == (1, 0)
    assert summary["per_event_ms"]["events"] == 5
    json.dumps(summary, ensure_ascii=False)
