"""Finding phrases despite conjugation, spelling and mishearing."""

from __future__ import annotations

import pytest

from consult_assist.knowledge.phrase import PhraseSet, Target


def found(phrase: str, text: str) -> set[str]:
    """The views by which ``phrase`` is found in ``text``."""
    return {span.how for _, span in PhraseSet([phrase]).find(Target.of(text))}


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("殴る", "お父さんに毎日なぐられてる"),  # lemma of a kana spelling
        ("殺す", "ころすぞって言われた"),
        ("虐待", "隣の家で逆体されてる子がいる"),  # homophone kanji, 体 read タイ
        ("自殺", "友達が自札するって"),
        ("血が出て", "耳から地が出てるんです"),
        ("育児疲れ", "いくじづかれでもう何もできない"),  # rendaku
        ("薬を飲", "さっきくすりのんじゃった"),  # stem, particle dropped
        ("揺さぶ", "夫が赤ちゃんをゆさぶるのを見た"),  # stem completed to 揺さぶる
        ("飛び降り", "屋上からとびおりようと思って"),  # match ends inside a verb
        ("息をしていない", "赤ちゃんが息してないんです"),  # core lemmas, contraction
        ("首を絞め", "彼氏にくびしめられた"),
        ("学校に来ない", "連絡もなく学校こない子がいて"),
        ("家出", "娘がいえでして三日帰らない"),  # kana: either word, so it fires
    ],
)
def test_found_despite_recognition_errors(phrase: str, text: str) -> None:
    assert found(phrase, text)


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("家出", "家で宿題を見てあげる時間がない"),  # 家 + particle で is another word
        ("あざ", "朝ごはんを食べてない"),  # short phrases need exact readings
        ("帰ってこない", "家に帰りたくない"),  # たい changes the meaning
        ("ご飯を食べさせない", "最近ずっと食べられない"),  # so does させる
        ("一人で", "うちの子は一人っ子で"),
    ],
)
def test_false_friends_do_not_match(phrase: str, text: str) -> None:
    assert not found(phrase, text)


def test_spans_point_into_the_normalised_text() -> None:
    target = Target.of("あの、隣でころすぞって声が")
    [(number, span)] = [(n, s) for n, s in PhraseSet(["殺す"]).find(target) if s.how == "reading"]
    assert number == 0
    assert target.analysis.text[span.start : span.end] == "ころす"


def test_many_phrases_in_one_pass() -> None:
    phrases = PhraseSet(["死にたい", "殴る", "泣き声"])
    numbers = {n for n, _ in phrases.find(Target.of("しにたいって泣き声で"))}
    assert numbers == {0, 2}


def test_empty_text_finds_nothing() -> None:
    assert PhraseSet(["死にたい"]).find(Target.of("、。")) == []


def test_a_literal_find_keeps_what_is_written_or_read_and_drops_lemma_matches() -> None:
    phrases = PhraseSet(["死ぬかと思"])
    wish = Target.of("死にたいと思う")  # the lemmas 死ぬ…思う, not the words
    assert phrases.find(wish)
    assert phrases.find_literal(wish) == []
    assert phrases.find_literal(Target.of("本当に死ぬかと思いました"))


def test_surfaces_of_one_and_of_many_characters_are_found_at_every_place() -> None:
    phrases = PhraseSet(["手", "手首", "首を絞め"])
    target = Target.of("手首と手と首を絞め")
    surface = sorted((n, s.start, s.end) for n, s in phrases.find(target) if s.how == "surface")
    assert surface == [(0, 0, 1), (0, 3, 4), (1, 0, 2), (2, 5, 9)]
