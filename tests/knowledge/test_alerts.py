"""Attention words: found on readings, raised once per occurrence, never silenced."""

from __future__ import annotations

from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.alerts import AlertMatcher, AlertTracker
from consult_assist.knowledge.engine import KnowledgeBase


def words(base: KnowledgeBase, text: str) -> list[str]:
    return [o.word.word for o in base.alerts.find(text)]


def test_spelling_variants_and_asr_damage_fire(base: KnowledgeBase) -> None:
    assert words(base, "もうしにたい") == ["死にたい"]
    assert words(base, "しんじゃいたい") == ["死にたい"]
    assert words(base, "隣の家で逆体されてる") == ["虐待"]
    assert words(base, "母が睡眠薬をのみすぎて") == ["薬を飲"]
    assert words(base, "赤ちゃんが息してないんです") == ["息をしていない"]


def test_negation_and_quotation_do_not_silence(base: KnowledgeBase) -> None:
    assert words(base, "死にたいとは言ってないんですけど") == ["死にたい"]
    assert words(base, "「殺すぞ」って言われて…冗談だとは思うんですけど") == ["殺す"]


def test_ordinary_talk_raises_nothing(base: KnowledgeBase) -> None:
    for text in ("家で宿題を見てあげる時間がない", "朝ごはんは食べました", "もしもし"):
        assert words(base, text) == []


def test_more_specific_word_wins(base: KnowledgeBase) -> None:
    assert words(base, "お父さんに殺されるかもしれない") == ["殺される"]


def test_each_occurrence_once(base: KnowledgeBase) -> None:
    tracker = AlertTracker()

    def feed(event: TranscriptPartial | TranscriptFinal) -> list[str]:
        return [a.word for a in tracker.feed(event, base.alerts.find(event.text))]

    def partial(text: str, utterance: int = 1) -> TranscriptPartial:
        return TranscriptPartial(
            session="s", at=1.0, utterance=utterance, start=0, end=1, text=text
        )

    assert feed(partial("お父さんが")) == []
    assert feed(partial("お父さんが殴る")) == ["殴る"]
    assert feed(partial("お父さんが殴るんです")) == []  # the partial grew: same occurrence
    final = TranscriptFinal(
        session="s", at=2.0, utterance=1, start=0, end=2, text="お父さんが殴るんです、また殴る"
    )
    assert feed(final) == ["殴る"]  # only the second occurrence is new
    assert feed(partial("殴る", utterance=2)) == ["殴る"]  # a new utterance


def test_alert_carries_level_segment_and_critical_first(base: KnowledgeBase) -> None:
    event = TranscriptFinal(
        session="s",
        at=5.0,
        utterance=3,
        start=1.0,
        end=4.0,
        text="泣き声がして、死にたいって",
        speaker="caller",
    )
    alerts = AlertTracker().feed(event, base.alerts.find(event.text))
    assert [a.level for a in alerts] == ["critical", "notice"]
    first = alerts[0]
    assert (first.word, first.segment, first.utterance, first.speaker) == (
        "死にたい",
        event.text,
        3,
        "caller",
    )
    assert (first.session, first.at, first.seq, first.section) == ("s", 5.0, 0, "suicide-ideation")


def test_matcher_with_no_words() -> None:
    assert AlertMatcher([]).find("死にたい") == []


def test_one_kanji_read_another_way_does_not_fire_alone() -> None:
    """字 can be read アザ; alone it must not raise あざ (it did, on every 名前の字)."""
    from pathlib import Path

    from consult_assist.events import TranscriptFinal
    from consult_assist.knowledge.engine import KnowledgeEngine
    from consult_assist.knowledge.manual import load_manual

    root = Path(__file__).resolve().parents[2] / "manuals"
    engine = KnowledgeEngine(load_manual(root))
    for i, (text, fired) in enumerate(
        [("名前の字が難しいんです", False), ("腕にあざがあります", True), ("顔に痣が", True)]
    ):
        out = engine.feed(
            TranscriptFinal(session="s", utterance=i, start=0, end=1, text=text, speaker="caller")
        )
        assert any(e.type == "alert" and e.word == "あざ" for e in out) is fired, text
