from __future__ import annotations

import json

import pytest

from consult_assist import events, wire
from consult_assist.errors import ProtocolError

SAMPLES: list[events.Event] = [
    events.SessionStarted(session="s", seq=1, meta={"source": "file"}),
    events.TranscriptPartial(
        session="s",
        seq=2,
        at=1.5,
        utterance=0,
        start=0.5,
        end=1.4,
        text="となりの",
        stable=2,
        speaker="caller",
    ),
    events.TranscriptFinal(
        session="s",
        seq=3,
        at=2.0,
        utterance=0,
        start=0.5,
        end=1.6,
        text="となりの部屋",
        latency_s=0.4,
        avg_logprob=-0.2,
    ),
    events.Suggestion(
        session="s",
        seq=4,
        items=(
            events.SuggestionItem(
                id="neighbour-crying", title="泣き声", score=3.2, matched=("泣き声",), excerpt="…"
            ),
        ),
    ),
    events.Alert(session="s", seq=5, level="critical", word="死にたい", segment="もう死にたい"),
    events.Checklist(
        session="s",
        seq=6,
        covered=(events.CheckItem(id="child-age", label="年齢", evidence="三歳"),),
        missing=(events.CheckItem(id="injury", label="けが"),),
    ),
    events.HelpRequest(session="s", seq=7, reason="判断に迷う", by="h1"),
    events.Advice(session="s", seq=8, text="110番を", by="sv"),
    events.Note(session="s", seq=9, text="メモ"),
    events.ErrorEvent(session="s", seq=10, code="decode", message="失敗"),
    events.Ack(session="s", seq=11, ref=7, kind="help.request", by="sv"),
    events.SessionEnded(session="s", seq=12, reason="end"),
    events.Note(session="s", seq=13, text="メモ（修正）", by="h1", replaces=9),
    events.RecordClosed(session="s", seq=14, by="h1"),
    events.Risk(
        session="s",
        seq=15,
        tier="緊急一時保護を検討",
        rules=("R0", "R6"),
        items=(
            events.RiskItemState(
                id="likely_serious_harm",
                number="④",
                label="重大な結果が生じる可能性が高い",
                state="該当",
                subitems=("strangling",),
                evidence=(
                    events.RiskEvidence(
                        subitem="strangling", text="首を絞められた", at=3.5, speaker="caller"
                    ),
                ),
            ),
        ),
        severe=("strangling",),
        next=(events.RiskQuestion(item="recurrence", ask="前にもありましたか。"),),
        similar=(events.SimilarCall(session="old", date="2026-01-02", tier="集中的援助"),),
    ),
    events.Risk(
        session="s",
        seq=16,
        tier="在宅支援",
        rules=("R8",),
        suspected=(
            events.RiskSuspicion(
                subitem="strangling",
                label="首絞め・口と鼻をふさぐ",
                text="首をぎゅむってされて",
                words=("首", "ぎゅむ"),
                at=12.0,
                speaker="caller",
                asked="何をされたの？",
            ),
        ),
    ),
]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_roundtrip(event: events.Event) -> None:
    text = wire.encode_event(event)
    data = json.loads(text)
    assert data["v"] == 1 and data["type"] == event.type and data["seq"] == event.seq
    assert wire.decode_event(text) == event


def test_every_event_type_is_covered() -> None:
    assert {e.type for e in SAMPLES} == set(events.EVENT_TYPES)


def test_japanese_stays_readable() -> None:
    assert "死にたい" in wire.encode_event(SAMPLES[4])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "JSON object"),
        ('{"v": 2, "type": "note"}', "version"),
        ('{"v": 1, "type": "nope", "session": "s"}', "unknown event type"),
        ('{"v": 1, "type": "note", "session": "s"}', "note"),
        ('{"v": 1, "type": "suggestion", "session": "s", "items": 3}', "list"),
    ],
)
def test_bad_messages(text: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        wire.decode_event(text)


def test_sequencer_counts_from_one() -> None:
    seq = events.Sequencer()
    stamped = [seq.stamp(events.Note(session="s", text=str(i))) for i in range(3)]
    assert [e.seq for e in stamped] == [1, 2, 3]
    assert seq.last == 3
