"""Risk events from the event stream, beside the knowledge engine."""

from __future__ import annotations

from pathlib import Path

from consult_assist.events import Risk, SessionEnded, SessionStarted, TranscriptFinal
from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import load_manual
from consult_assist.risk.feed import RiskFeed, WithRisk, with_risk
from consult_assist.risk.model import RiskModel
from consult_assist.wire import decode_event, encode_event

ROOT = Path(__file__).resolve().parents[2]


def _final(number: int, text: str, speaker: str = "caller") -> TranscriptFinal:
    return TranscriptFinal(
        session="s",
        at=number,
        utterance=number,
        start=number,
        end=number,
        text=text,
        speaker=speaker,
    )


def test_a_risk_event_comes_only_when_the_sheet_changes(model: RiskModel) -> None:
    feed = RiskFeed(model)
    assert feed.feed(SessionStarted(session="s")) == []
    [first] = feed.feed(_final(1, "こんばんは。"))
    assert isinstance(first, Risk) and first.tier == "在宅支援" and first.rules == ("R8",)
    [event] = feed.feed(_final(2, "夫が酒を飲むと暴れるんです"))
    assert isinstance(event, Risk) and event.tier == "集中的援助" and event.utterance == 2
    assert decode_event(encode_event(event)) == event
    assert feed.feed(_final(3, "そうなんです。")) == []
    assert feed.feed(SessionEnded(session="s")) == []


def test_the_transcribe_and_hub_knowledge_is_the_engine_with_the_sheet_beside_it() -> None:
    manuals = ROOT / "manuals"
    manual = load_manual(manuals)
    engine = KnowledgeEngine(manual)
    knowledge = with_risk(engine, manuals, manual)
    assert isinstance(knowledge, WithRisk)
    assert knowledge.base is engine.base  # every other attribute is the engine's
    knowledge.feed(SessionStarted(session="s"))
    events = knowledge.feed(_final(1, "娘が死にたいって言うんです"))
    assert any(isinstance(e, Risk) for e in events)
    assert any(not isinstance(e, Risk) for e in events)  # the engine's alert or suggestion


def test_a_folder_without_a_risk_sheet_gives_the_engine_unchanged(tmp_path: Path) -> None:
    engine = KnowledgeEngine(load_manual(ROOT / "manuals"))
    assert with_risk(engine, tmp_path) is engine
