"""Slot values from answers: numbers normalised, names told apart from the caller's surname."""

from __future__ import annotations

import pytest

from consult_assist.knowledge.slots import digits, extract, kanji_number


@pytest.mark.parametrize(
    ("text", "value", "sex"),
    [
        ("3歳くらいの男の子です", "3歳", "男"),
        ("３歳くらいの男の子です", "3歳", "男"),  # full-width digit
        ("三歳くらいの男の子です", "3歳", "男"),
        ("さんさいくらいの男の子です", "3歳", "男"),  # kana, as a recogniser may write it
        ("じゅういっさいです", "11歳", ""),
        ("十一歳の娘です", "11歳", "女"),
        ("小学四年生です", "小学4年", ""),
        ("中学三年の娘のことです", "中学3年", "女"),
        ("四か月の娘が夜ずっと泣いてて", "4か月", "女"),
        ("4歳の男の子が、ここ1か月くらい全然笑わなくなって", "4歳", "男"),  # 1か月: how long
        ("3か月前から夜泣きがひどい、2歳の娘です", "2歳", "女"),
        ("一年生の妹がいます", "小学1年", "女"),
        ("たぶん幼稚園くらいの男の子です", "幼稚園児", "男"),
        ("お兄ちゃんが小学二年生で、弟は三歳くらいです", "小学2年", "男"),
    ],
)
def test_age_and_sex(text: str, value: str, sex: str) -> None:
    found = extract("age", text)
    assert found is not None
    assert (found.value, found.sex) == (value, sex)


def test_no_age_in_ordinary_talk() -> None:
    assert extract("age", "今日はいい天気ですね") is None


@pytest.mark.parametrize(
    "text", ["ここ1か月くらい眠れてない", "この3か月、ずっとそう", "半年、いや5か月ぶりです"]
)
def test_how_long_in_months_is_no_age(text: str) -> None:
    assert extract("age", text) is None


@pytest.mark.parametrize("text", ["夫はお酒はいっさい飲まない人です", "いっさいしてないです"])
def test_issai_that_means_not_at_all_is_no_age(text: str) -> None:
    assert extract("age", text) is None


@pytest.mark.parametrize(
    ("text", "value"), [("いっさいです", "1歳"), ("さんさいくらいの男の子", "3歳")]
)
def test_an_age_in_kana_still_reads_as_an_age(text: str, value: str) -> None:
    found = extract("age", text)
    assert found is not None and found.value == value


def test_numbers() -> None:
    assert kanji_number("十一") == 11
    assert kanji_number("二百二") == 202
    assert kanji_number("一二三") == 123
    assert kanji_number("つ") is None
    assert digits("二百二号室、〇九〇、さんさい") == "202号室、090、3さい"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ゆうとです。小学四年生です。", "ゆうと"),
        ("みさきです。北中学校です。", "みさき"),
        ("鈴木はるとくん、八歳です。", "鈴木はると"),
        ("名前はわからないです", "不明"),
    ],
)
def test_a_childs_name_in_an_answer(text: str, value: str) -> None:
    found = extract("name", text, answering=True)
    assert found is not None and found.value == value


@pytest.mark.parametrize("text", ["山田です。", "西区の高橋です。", "田中と申します"])
def test_a_callers_surname_is_not_the_childs_name(text: str) -> None:
    assert extract("name", text, answering=True) is None


def test_an_unasked_name_needs_an_honorific() -> None:
    assert extract("name", "はるとくんが泣いてて") is not None
    assert extract("name", "ゆうとです") is None  # unasked: too unsure to call it a name
    assert extract("name", "息子さんに変化は") is None  # a common noun, not a name


@pytest.mark.parametrize(
    ("text", "value", "answering"),
    [
        ("緑町三丁目の、さくらハイツです。", "緑町三丁目のさくらハイツ", False),
        ("北川市の、佐藤です。", "北川市", False),  # the caller's name after the place
        ("本町四丁目の、青葉コーポです。すぐ救急車を呼びます。", "本町四丁目の青葉コーポ", False),
        ("公園の公衆電話です。", "公園の公衆電話", True),
        ("自分の部屋です。", "自分の部屋", True),
        ("階段の下に倒れてて", "階段の下", True),
    ],
)
def test_places(text: str, value: str, answering: bool) -> None:
    found = extract("place", text, answering=answering)
    assert found is not None and found.value == value


def test_a_building_word_alone_is_a_place_only_when_asked() -> None:
    assert extract("place", "同じアパートの兄弟なんですけど") is None
    assert extract("place", "自分の部屋です") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("090-1234-5678です", "09012345678"),
        ("〇九〇、一二三四、五六七八です", "09012345678"),
        ("この携帯にお願いします", "この携帯"),
        ("電話番号は、この番号で大丈夫です", "この番号"),
    ],
)
def test_contact(text: str, value: str) -> None:
    found = extract("contact", text)
    assert found is not None and found.value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("あの、子どもでも電話していいですか", "本人"),
        ("中学二年なんですけど、もう死にたくて", "本人"),
        ("隣の部屋のことで", "隣の住民"),
        ("同じマンションの子のことなんです", "同じマンションの住民"),
        ("中学三年の娘のことです", "保護者"),
        ("三年生の担任をしております", "担任"),
    ],
)
def test_relation(text: str, value: str) -> None:
    found = extract("relation", text)
    assert found is not None and found.value == value


def test_someone_elses_child_is_not_the_callers() -> None:
    assert extract("relation", "娘さんは今おうちにいますか") is None
