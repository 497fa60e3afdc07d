"""Scoring one call against its labels: checklist, alerts and suggestions, by time."""

from __future__ import annotations

from typing import Any

from consult_assist.bench.scorecard import score_call
from consult_assist.events import (
    Alert,
    CheckItem,
    Checklist,
    Event,
    Suggestion,
    SuggestionItem,
    TranscriptFinal,
)

LEVELS = {"死にたい": "critical", "殴る": "high", "叩く": "high"}


def sidecar() -> dict[str, Any]:
    turns = [
        {"speaker": "handler", "text": "お子さんは何歳ですか", "start": 1.0, "end": 3.0},
        {"speaker": "caller", "text": "五歳です。父に殴られて死にたい", "start": 4.0, "end": 8.0},
        {"speaker": "handler", "text": "叩かれたことはありますか", "start": 9.0, "end": 11.0},
        {"speaker": "caller", "text": "叩かれたことはないです", "start": 12.0, "end": 14.0},
    ]
    return {
        "duration_s": 20.0,
        "turns": turns,
        "checklist_answers": [{"item": "child-age", "turn": 1, "at": 4.0, "value": "5歳"}],
        "checklist_asked": [{"item": "child-age", "turn": 0, "at": 1.0}],
        "caller_attention": [
            {"word": "殴る", "turn": 1, "at": 4.0},
            {"word": "死にたい", "turn": 1, "at": 4.0},
            {"word": "叩く", "turn": 3, "at": 12.0, "negated": True},
        ],
        "handler_attention": [{"word": "叩く", "turn": 2, "at": 9.0}],
        "topic_times": [
            {"topic": "abuse-physical", "turn": 1, "at": 4.0},
            {"topic": "suicide-ideation", "turn": 1, "at": 4.0},
            {"topic": "school-report", "turn": None, "at": None},
        ],
    }


def final(number: int, start: float, end: float, text: str) -> TranscriptFinal:
    return TranscriptFinal(
        session="s", at=end + 0.5, utterance=number, start=start, end=end, text=text
    )


def alert(number: int, word: str, at: float, **flags: Any) -> Alert:
    return Alert(
        session="s",
        at=at,
        level=LEVELS[word],  # type: ignore[arg-type]
        word=word,
        segment="",
        utterance=number,
        start=at - 1,
        end=at,
        **flags,
    )


def age(evidence: str, value: str = "") -> Checklist:
    item = CheckItem(id="child-age", label="年齢", evidence=evidence, value=value)
    return Checklist(session="s", covered=(item,))


def suggestion(at: float, *ids: str) -> Suggestion:
    return Suggestion(
        session="s", at=at, items=tuple(SuggestionItem(id=i, title=i, score=0.1) for i in ids)
    )


def test_a_call_scored_right() -> None:
    heard: list[tuple[Event, list[Event]]] = [
        (final(1, 1.0, 3.0, "お子さんは何歳ですか"), []),
        (
            final(2, 4.0, 8.0, "五歳です。父に殴られて死にたい"),
            [
                alert(2, "死にたい", 8.5, act="answer"),
                alert(2, "殴る", 8.5, act="answer"),
                age("五歳です", "5歳"),
                suggestion(8.5, "abuse-physical", "suicide-ideation"),
            ],
        ),
        (final(3, 9.0, 11.0, "叩かれたことはありますか"), [alert(3, "叩く", 11.5, act="question")]),
        (final(4, 12.0, 14.0, "叩かれたことはないです"), [alert(4, "叩く", 14.5, negated=True)]),
    ]
    score = score_call(sidecar(), heard, LEVELS)
    assert (score.checklist_covered, score.checklist_correct, score.covered_by_question) == (
        1,
        1,
        0,
    )
    assert (score.values_labelled, score.values_matched) == (1, 1)
    assert (score.alerts_confirmed, score.alerts_correct, score.alerts_false) == (4, 4, 0)
    assert (score.caller_words, score.caller_words_found) == (2, 2)
    assert (score.critical_words, score.critical_found) == (1, 1)
    assert (score.denials, score.denials_shown_negated) == (1, 1)
    assert score.critical_delays == [0.5]
    assert (score.topics, score.topic_hits) == (2, 2)  # the topic never raised is left out
    assert score.topic_delays == [4.5, 4.5]


def test_a_call_scored_wrong() -> None:
    heard: list[tuple[Event, list[Event]]] = [
        # The question "covers" the item: too early, and inside the asking handler turn.
        (final(1, 1.0, 3.0, "お子さんは何歳ですか"), [age("お子さんは何歳ですか")]),
        (
            final(2, 4.0, 8.0, "五歳です。父に殴られて死にたい"),
            [
                alert(2, "死にたい", 6.0, tentative=True),
                alert(2, "死にたい", 8.5, withdrawn=True),  # the final lost it: a miss
                suggestion(30.0, "abuse-physical"),  # shown only 26 s after it was raised
            ],
        ),
        (
            final(3, 9.0, 11.0, "叩かれたことはありますか"),
            [alert(3, "叩く", 11.5, act="statement")],  # a handler's question shown as said
        ),
        (final(4, 12.0, 14.0, "叩かれたことはないです"), [alert(4, "叩く", 14.5)]),  # not negated
    ]
    score = score_call(sidecar(), heard, LEVELS)
    assert (score.checklist_correct, score.covered_by_question) == (0, 1)
    assert (score.alerts_tentative, score.alerts_withdrawn) == (1, 1)
    assert (score.alerts_confirmed, score.alerts_false) == (2, 2)
    assert (score.critical_words, score.critical_found) == (1, 0)
    assert score.denials_shown_negated == 0
    assert (score.topic_hits, score.topic_delays) == (1, [26.0])
