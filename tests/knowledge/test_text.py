"""Normalisation, readings and the sound key."""

from __future__ import annotations

import pytest

from consult_assist.knowledge.text import (
    analyse,
    char_ngrams,
    hira_to_kata,
    morphemes,
    normalise,
    reading,
    sound_key,
)


def test_normalise_folds_width_case_and_drops_punctuation() -> None:
    assert normalise("ＤＶ？「死にたい」…　です!") == "dv死にたいです"
    assert normalise("おとーさん々") == "おとーさん々"  # ー and 々 are letters


def test_hira_to_kata() -> None:
    assert hira_to_kata("ぎゃくたい ABC") == "ギャクタイ ABC"


def test_sound_key_folds_long_vowels_voicing_and_small_kana() -> None:
    assert sound_key("ソウダン") == sound_key("ソーダン")
    assert sound_key("ジドウソウダンジョ")[-3:] == sound_key("ソウダンショ")[-3:]
    assert sound_key("いくじづかれ") == sound_key("イクジツカレ")
    assert sound_key("リストカット") == "リストカト"
    assert sound_key("キャク") == "キヤク"


def test_readings_of_spelling_variants_agree() -> None:
    assert reading("1年") == reading("一年")
    assert reading("怒鳴り声") == reading("どなり声")
    assert reading("お住まい") == reading("おスマイ")


def test_analyse_drops_fillers_and_punctuation() -> None:
    analysis = analyse("えーと、あのー、子どもが泣いてる")
    assert analysis.text == "子どもが泣いてる"
    assert "泣く" in analysis.lemmas
    assert analysis.key_span(0, 1) == (0, 3)  # the first kana comes from 子ども


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        # Sudachi reads 顔 に あ ざあ って here: the あ is part of あざ, not a filler.
        ("顔にあざあって。お父さんに殴られたって", "顔にあざあってお父さんに殴られたって"),
        ("全然はんのうがないんです", "全然はんのうがないんです"),
    ],
)
def test_a_one_kana_interjection_glued_into_words_is_kept(text: str, plain: str) -> None:
    assert analyse(text).text == plain


def test_single_kanji_tokens_carry_other_readings() -> None:
    analysis = analyse("逆体")
    assert any("タイ" in t.alternatives or t.reading == "タイ" for t in analysis.tokens)


def test_char_ngrams() -> None:
    assert char_ngrams("abcd", (2, 3)) == ["ab", "bc", "cd", "abc", "bcd"]
    assert char_ngrams("a", (2, 3), "s") == ["sa"]
    assert char_ngrams("", (2,)) == []


def test_morphemes_point_into_the_text_as_written() -> None:
    text = "えっと、パパに首を絞められた。"
    found = morphemes(text)
    assert "".join(text[m.begin : m.end] for m in found) == text
    assert [(text[m.begin : m.end], m.pos0) for m in found][:4] == [
        ("えっと", "感動詞"),
        ("、", "補助記号"),
        ("パパ", "名詞"),
        ("に", "助詞"),
    ]
    assert morphemes("  ") == ()
