"""The risk sheet of ``bench assist``: each rendition's sheet against the sheet of the words.

The sample calls carry no labelled tier, so the yardstick is the sheet the same engine fills
from the labelled words themselves (:func:`~consult_assist.bench.transcripts.reference_transcript`,
speaker unknown as on the recordings): what is lost or added is what recognition did to the
assessment, on the wideband and on the telephone rendition alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consult_assist.bench.transcripts import CallTranscript
from consult_assist.events import TranscriptFinal
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment
from consult_assist.risk.spec import tier_rank

__all__ = ["RiskCall", "risk_summary", "sheet_of"]

RiskCall = tuple[str, Assessment, Assessment]
"""``(call, sheet from the rendition, sheet from the labelled words)``."""


def sheet_of(model: RiskModel, transcript: CallTranscript) -> Assessment:
    """The sheet at the end of a call (rules and second reader), fed the transcript's finals
    in order."""
    assessor = model.assessor()
    for event in transcript.events:
        if isinstance(event, TranscriptFinal):
            assessor.observe(event)
    return assessor.assessment()


def _established(sheet: Assessment) -> set[str]:
    return {item.id for item in sheet.items if item.state == "該当"}


def risk_summary(calls: Sequence[RiskCall]) -> dict[str, Any]:
    """Tier and items of each call against those from its labelled words."""
    same = below = above = both = found = expected = 0
    severe_same = suspected = 0
    per_call: list[dict[str, Any]] = []
    for name, sheet, words in calls:
        heard, wanted = _established(sheet), _established(words)
        same += sheet.tier == words.tier
        below += tier_rank(sheet.tier) > tier_rank(words.tier)
        above += tier_rank(sheet.tier) < tier_rank(words.tier)
        severe_same += set(sheet.severe) == set(words.severe)
        suspected += bool(sheet.suspected)
        both += len(heard & wanted)
        found += len(heard)
        expected += len(wanted)
        per_call.append(
            {
                "call": name,
                "tier": sheet.tier,
                "tier_from_words": words.tier,
                "items_lost": sorted(wanted - heard),
                "items_added": sorted(heard - wanted),
                "severe": list(sheet.severe),
                "severe_from_words": list(words.severe),
                "suspected": [[s.subitem, *s.words] for s in sheet.suspected],
            }
        )
    return {
        "yardstick": "the sheet the engine fills from the labelled words (no labelled tiers)",
        "calls": len(calls),
        "tier_same": same,
        "tier_below": below,
        "tier_above": above,
        "severe_same": severe_same,
        "calls_with_a_suspicion": suspected,
        "items_from_words": expected,
        "items_established": found,
        "items_recall": round(both / expected, 4) if expected else None,
        "items_precision": round(both / found, 4) if found else None,
        "per_call": per_call,
    }
