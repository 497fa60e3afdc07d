"""``bench assist``'s risk block: each rendition's sheet against the sheet of the words."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.bench.assistrisk import risk_summary, sheet_of
from consult_assist.bench.transcripts import CallTranscript
from consult_assist.events import TranscriptFinal
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.model import RiskModel

MANUALS = Path(__file__).resolve().parents[2] / "manuals"


@pytest.fixture(scope="module")
def model() -> RiskModel:
    return RiskModel.load(MANUALS, load_manual(MANUALS))


def _transcript(*texts: str) -> CallTranscript:
    events = tuple(
        TranscriptFinal(
            session="b", at=10.0 * n + 2, utterance=n, start=10.0 * n, end=10.0 * n + 1,
            text=text, speaker="unknown",
        )
        for n, text in enumerate(texts)
    )  # fmt: skip
    return CallTranscript(events=events, audio_s=10.0 * len(texts), compute_s=0.0)


def test_a_severe_cue_lost_by_recognition_counts_as_a_tier_below(model: RiskModel) -> None:
    words = sheet_of(model, _transcript("お父さんに首を絞められたんです", "毎日です"))
    heard = sheet_of(model, _transcript("お父さんに窓を閉められたんです", "毎日です"))
    summary = risk_summary([("call", heard, words)])
    assert summary["tier_same"] == 0 and summary["tier_below"] == 1
    assert summary["severe_same"] == 0
    [call] = summary["per_call"]
    assert call["items_lost"] == ["likely_serious_harm"]
    assert call["severe_from_words"] == ["strangling"] and call["severe"] == []


def test_the_same_words_give_the_same_sheet(model: RiskModel) -> None:
    words = sheet_of(model, _transcript("お父さんに首を絞められたんです"))
    summary = risk_summary([("a", words, words), ("b", words, words)])
    assert (summary["tier_same"], summary["tier_below"], summary["tier_above"]) == (2, 0, 0)
    assert summary["items_recall"] == 1.0 and summary["items_precision"] == 1.0
