"""Attention words: found on readings; tentative on partials, confirmed or withdrawn by
the final; never dropped for being asked, denied or quoted (the act says which)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_assist.events import TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.alerts import AlertMatcher, AlertTracker
from consult_assist.knowledge.engine import KnowledgeBase, KnowledgeEngine
from consult_assist.knowledge.manual import load_manual


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


def partial(text: str, utterance: int = 1, stable: int = 0) -> TranscriptPartial:
    return TranscriptPartial(
        session="s", at=1.0, utterance=utterance, start=0, end=1, text=text, stable=stable
    )


def final(text: str, utterance: int = 1, act: str = "") -> TranscriptFinal:
    return TranscriptFinal(
        session="s", at=2.0, utterance=utterance, start=0, end=2, text=text, act=act
    )


def test_a_partial_raises_tentative_and_the_final_confirms(base: KnowledgeBase) -> None:
    tracker = AlertTracker()

    def feed(event: TranscriptPartial | TranscriptFinal) -> list[tuple[str, bool, bool]]:
        return [
            (a.word, a.tentative, a.withdrawn)
            for a in tracker.feed(event, base.alerts.find(event.text))
        ]

    assert feed(partial("お父さんが")) == []
    # The word ends the partial: not yet (it may be the start of something else).
    assert feed(partial("お父さんが殴る")) == []
    assert feed(partial("お父さんが殴るんです")) == [("殴る", True, False)]
    assert feed(partial("お父さんが殴るんですよ")) == []  # the same utterance and word: once
    assert feed(final("お父さんが殴るんです、また殴る")) == [("殴る", False, False)]
    assert feed(partial("お父さんが殴るんです")) == []  # a late partial of a finished utterance
    assert feed(partial("殴るって", utterance=2)) == [("殴る", True, False)]  # a new utterance


def test_a_word_the_final_does_not_have_is_withdrawn(base: KnowledgeBase) -> None:
    tracker = AlertTracker()
    (tentative,) = tracker.feed(p := partial("もう死にたいって"), base.alerts.find(p.text))
    assert tentative.tentative and tentative.level == "critical"
    out = tracker.feed(f := final("もう四日目で"), base.alerts.find(f.text))
    assert [(a.word, a.withdrawn, a.tentative) for a in out] == [("死にたい", True, False)]
    assert out[0].utterance == tentative.utterance


def test_a_retracted_partial_withdraws_its_tentative_alerts(base: KnowledgeBase) -> None:
    tracker = AlertTracker()
    tracker.feed(p := partial("お父さんに殴られて"), base.alerts.find(p.text))
    out = tracker.feed(partial(""), [])
    assert [(a.word, a.withdrawn) for a in out] == [("殴る", True)]


def test_a_word_agreed_by_the_recognizer_may_end_the_partial(base: KnowledgeBase) -> None:
    text = "お父さんが殴る"
    out = AlertTracker().feed(partial(text, stable=len(text)), base.alerts.find(text))
    assert [a.word for a in out] == ["殴る"]


def test_the_final_carries_the_act_of_the_words(base: KnowledgeBase) -> None:
    tracker = AlertTracker()
    text = "お父さんに殴られたことはありますか"
    (alert,) = tracker.feed(final(text), base.alerts.find(text))
    assert (alert.act, alert.negated, alert.tentative) == ("question", False, False)
    text = "殴られたことはないです"
    (alert,) = tracker.feed(final(text, 2), base.alerts.find(text))
    assert (alert.act, alert.negated) == ("statement", True)
    text = "お父さんが殴るんです"
    (alert,) = tracker.feed(final(text, 3, act="answer"), base.alerts.find(text))
    assert alert.act == "answer"


def test_a_later_final_of_the_same_utterance_adds_only_new_words(base: KnowledgeBase) -> None:
    tracker = AlertTracker()
    tracker.feed(f := final("殴られた"), base.alerts.find(f.text))
    out = tracker.feed(f := final("殴られた、殺すぞって"), base.alerts.find(f.text))
    assert [(a.word, a.withdrawn) for a in out] == [("殺す", False)]


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
    engine = KnowledgeEngine(load_manual(REAL_MANUAL))
    for i, (text, fired) in enumerate(
        [("名前の字が難しいんです", False), ("腕にあざがあります", True), ("顔に痣が", True)]
    ):
        out = engine.feed(
            TranscriptFinal(session="s", utterance=i, start=0, end=1, text=text, speaker="caller")
        )
        assert any(e.type == "alert" and e.word == "あざ" for e in out) is fired, text


REAL_MANUAL = Path(__file__).resolve().parents[2] / "manuals"


def real_words(text: str) -> list[str]:
    matcher = AlertMatcher(load_manual(REAL_MANUAL).attention_words)
    return [o.word.word for o in matcher.find(text)]


def test_what_the_labeller_found_in_the_manual() -> None:
    # カッター is a blade (刃物); 帰ってきたら is not 帰ってこない; children asking for food
    # (食べるものないって) is not the family being broke (お金がない).
    assert real_words("カッターがあります") == ["刃物"]
    assert real_words("娘さんが帰ってきたら、責めずに") == []
    assert real_words("うちに何か食べるものないって来るんです") == []
    assert real_words("夜中まで帰ってこないんです") == ["夜中", "帰ってこない"]


def test_grammar_alone_never_spells_a_word() -> None:
    # 「…なんですける」: the auxiliary ける reads like 蹴る.
    assert real_words("あの音のことなんですける") == []
    assert real_words("足で蹴ることもあります") == ["蹴る"]


def test_words_left_in_an_unfinished_sentence_are_reread_by_the_question_after(
    base: KnowledgeBase,
) -> None:
    tracker = AlertTracker()
    text = "あなたは悪くないよ。今夜、死にたいとか"  # cut at a pause
    (alert,) = tracker.feed(final(text, 1), base.alerts.find(text))
    assert alert.act == "statement"
    text = "思ったりしているかな"
    (again,) = tracker.feed(final(text, 2), base.alerts.find(text))
    assert (again.word, again.utterance, again.act, again.tentative) == (
        "死にたい",
        1,
        "question",
        False,
    )
    # Carried on as a statement, nothing is sent again.
    tracker = AlertTracker()
    for number, text in enumerate(["今夜、死にたいとか", "ずっと思ってて"], 1):
        out = tracker.feed(final(text, number), base.alerts.find(text))
    assert out == []


def test_words_that_only_read_like_a_critical_word_raise_no_critical_alert() -> None:
    """Found through the tenth risk set: 機を投げ read as 気を失 (失 read な, as in 失くす),
    and 殴ったり in kana holds ぐったり."""
    assert real_words("弟のゲーム機を投げて壊したので") == []
    assert "ぐったり" not in real_words("お父さんが、お母さんのこと、なぐったり、けったりする")
    assert "意識がない" in real_words("叩かれて、気を失ってたみたい")
    assert real_words("赤ちゃんがぐったりしてる") == ["ぐったり"]


def test_a_grab_of_the_neck_is_strangling_and_meddling_is_nothing() -> None:
    """A near match of 首をつ… met 首を吊る (hanging) in a grab of the neck and in 首を突っ込む."""
    assert real_words("首をつかまれた") == ["首を絞め"]
    assert real_words("よその家のことに首を突っ込んで") == []
    assert real_words("首をつって死のうと思った") == ["首を吊る", "死にたい"]


def test_a_fright_is_no_wish_to_die() -> None:
    """死のうと思 met 「死ぬかと思った」 by its lemmas, as the risk sheet's exception once did."""
    assert real_words("本当に死ぬかと思った") == []
    assert real_words("首を絞められて、死ぬかと思った") == ["首を絞め"]
    assert real_words("死のうと思った") == ["死にたい"]


def test_trying_to_wake_a_child_raises_no_shaking_alert() -> None:
    assert "揺さぶ" not in real_words("目つぶったまんまで、揺すっても起きないんです")
    assert "揺さぶ" in real_words("泣きやまないから、強く揺すっちゃった")


def test_a_carer_who_must_feed_the_child_raises_no_neglect_alert() -> None:
    assert real_words("ご飯あげないといけないので") == []
    assert real_words("母がご飯を食べさせない") == ["ご飯を食べさせない"]


@pytest.fixture(scope="module")
def shipped() -> AlertMatcher:
    """The attention words the product ships (manuals/), not the small fixture manual."""
    manual = load_manual(Path(__file__).resolve().parents[2] / "manuals")
    return AlertMatcher(manual.attention_words)


@pytest.mark.parametrize(
    "text", ["ご飯を作ってあげちゃった", "弟と遊んであげちゃう", "つい買ってあげてしまうんです"]
)
def test_doing_something_for_someone_is_no_raised_hand(shipped: AlertMatcher, text: str) -> None:
    """〜てあげる sounds like 手をあげる from its て on; that て belongs to the verb before it."""
    assert "手をあげてしまう" not in [o.word.word for o in shipped.find(text)]


@pytest.mark.parametrize("text", ["手あげちゃった", "カッとなって手をあげちゃって"])
def test_a_raised_hand_is_still_heard(shipped: AlertMatcher, text: str) -> None:
    assert "手をあげてしまう" in [o.word.word for o in shipped.find(text)]


@pytest.mark.parametrize(
    "text",
    [
        "お父さんやお母さんとは、話せてる？",  # a handler's question
        "けがの説明が、お父さんとお母さんで全然違う",
        "私自身が、小さいころ親に殴られて育ったので",  # a child hit by a parent
        "実家の母がたまに野菜とか送ってくれます",  # とか sounds like 動画 (トカ)
    ],
)
def test_parents_named_together_and_particles_raise_no_alert(
    shipped: AlertMatcher, text: str
) -> None:
    found = [o.word.word for o in shipped.find(text)]
    assert "DV" not in found and "写真を送って" not in found


@pytest.mark.parametrize(
    "text", ["お父さんがお母さんのこと殴ってる", "パパがママのこと、けって", "夫に殴られてて"]
)
def test_violence_between_the_parents_is_still_heard(shipped: AlertMatcher, text: str) -> None:
    assert "DV" in [o.word.word for o in shipped.find(text)]
