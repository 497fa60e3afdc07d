"""``bench assist`` end to end without the model: the labelled turns, and a filled cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consult_assist import paths
from consult_assist.asr.options import ModelOptions, StreamOptions
from consult_assist.bench.assistance import AssistBenchOptions, _model_key, run_assist_bench
from consult_assist.bench.transcripts import TranscriptCache, reference_transcript
from consult_assist.errors import ConfigError

MANUALS = Path(__file__).resolve().parents[2] / "manuals"


def test_reference_run_scores_every_part() -> None:
    summary = run_assist_bench(
        AssistBenchOptions(
            names=("child-violence", "urgent-injury"), reference=True, manuals=MANUALS
        )
    )
    assert summary["bench"] == "assist" and summary["cache_used"] is False
    ref = summary["reference"]
    assert ref["calls"] == 2
    assert ref["checklist"]["covered_by_question"] == 0
    assert ref["alerts"]["critical_recall"] == 1.0
    assert 0.0 <= ref["suggestions"]["hit_at_3"] <= 1.0
    assert [c["call"] for c in ref["per_call"]] == ["child-violence", "urgent-injury"]
    # The labelled words against themselves: the risk sheet is the same by construction.
    assert ref["risk"]["calls"] == 2 and ref["risk"]["tier_same"] == 2
    assert ref["risk"]["per_call"][1]["severe"] == ["unconscious"]


def test_a_cached_run_says_so_and_loads_no_model(tmp_path: Path) -> None:
    """Every call comes from the cache (filled here with the labelled turns), so no model."""
    model = ModelOptions(model="no-such-model")
    sidecar = paths.samples_dir() / "neglect.json"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    cache = TranscriptCache(tmp_path)
    for suffix in (".flac", ".tel.wav"):
        audio = sidecar.with_name("neglect" + suffix)
        key = TranscriptCache.key(audio, model.model, StreamOptions(), _model_key(model))
        cache.store(key, reference_transcript(data, session="x"))
    summary = run_assist_bench(
        AssistBenchOptions(
            names=("neglect",), cache=True, cache_dir=tmp_path, model=model, manuals=MANUALS
        )
    )
    assert summary["cache_used"] is True
    assert summary["calls_from_cache"] == ["neglect/wideband", "neglect/telephone"]
    assert summary["device"] == "not loaded"
    assert set(summary) >= {"wideband", "telephone", "targets", "tolerances"}
    # A cache holding the labelled words: each rendition's sheet is the sheet of the words.
    assert summary["telephone"]["risk"]["tier_same"] == 1


def test_an_unknown_call_stops_before_the_model_loads() -> None:
    with pytest.raises(ConfigError, match="no-such-call"):
        run_assist_bench(AssistBenchOptions(names=("no-such-call",)))
