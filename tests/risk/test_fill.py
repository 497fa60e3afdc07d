"""A short answer to a where / with-what question, put back into the question's words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.fill import Filled, acted_on, filled_answer
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]
YES = ("うん", "はい", "ある", "あるよ")
"""Yes words as the sheet's ``affirm`` list gives them, a short one inside a longer one."""


@pytest.mark.parametrize(
    ("question", "answer", "filled"),
    [
        ("どこを叩かれたの？", "顔。ほっぺとか、耳のとこ", Filled("顔を叩かれた", (0, 1))),
        ("どこを叩かれたのかな。", "えっと、ほっぺです", Filled("ほっぺを叩かれた", (0, 3))),
        ("何で叩かれたの？", "ベルト。", Filled("ベルトで叩かれた", (0, 3))),
        (
            "叩かれるのは、体のどこですか。",
            "……頭。あと、ほっぺた。",
            Filled("頭を叩かれる", (0, 1)),
        ),
    ],
)
def test_the_answer_takes_the_place_of_the_question_word(
    question: str, answer: str, filled: Filled
) -> None:
    assert filled_answer(question, answer) == filled


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("どこを叩かれたの？", "わからない"),  # no noun phrase
        ("どこを叩かれたの？", "お父さんがいきなり怒って、それで"),  # a sentence of its own
        ("お名前は？", "ゆうた"),  # no where / with what
        ("どこですか？", "頭"),  # no act to put it in
        ("叩かれたの？", "うん"),
    ],
)
def test_nothing_is_filled_in_without_a_where_question_and_a_short_noun(
    question: str, answer: str
) -> None:
    assert filled_answer(question, answer) is None


def test_a_face_named_in_answer_to_where_is_a_blow_to_the_face(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "どこを叩かれたの？"), ("caller", "顔。ほっぺとか、耳のとこ"))
    [evidence] = sheet.item("likely_serious_harm").evidence
    assert (evidence.subitem, evidence.act, evidence.speaker) == (
        "head_face_blow",
        "answer",
        "caller",
    )
    assert evidence.text == "どこを叩かれたの？ → 顔。ほっぺとか、耳のとこ"


def test_a_place_named_in_answer_to_where_the_child_is_ticks_nothing(sheet_of: Sheet) -> None:
    sheet = sheet_of(("handler", "今どこにいるの？"), ("caller", "コンビニの前"))
    assert all(item.state == "未確認" for item in sheet.items)


def test_the_handlers_own_where_question_ticks_nothing(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "どこを叩かれたの？"), ("handler", "顔"))
    assert sheet.item("likely_serious_harm").state == "未確認"


@pytest.mark.parametrize(
    ("question", "answer", "filled"),
    [
        ("叩かれていたのは、体のどのあたりでしたか。", "顔。", "顔を叩かれていた"),
        ("どの辺を叩かれたの？", "かお", "かおを叩かれた"),
        ("叩かれたのはどこらへん？", "顔", "顔を叩かれた"),
    ],
)
def test_which_part_asked_with_dono_or_dokorahen_is_filled(
    question: str, answer: str, filled: str
) -> None:
    result = filled_answer(question, answer)
    assert result is not None and result.text == filled


def test_a_yes_and_how_is_said_after_the_part_of_the_body_asked_about() -> None:
    filled = acted_on(
        "首のところ、なにかされたことある？",
        "……うん。手で、ぐって。おかあさんの、かれしに。",
        YES,
    )
    assert filled == Filled("首のところを、手で、ぐって。", (7, 14))
    assert filled.answers(0, 10) and not filled.answers(0, 7)


def test_the_longest_yes_word_opens_the_answer() -> None:
    # 「あるよ」, not 「ある」 and a how that begins with よ.
    filled = acted_on("首のところ、なにかされたことある？", "あるよ。手で、ぐって。", YES)
    assert filled == Filled("首のところを、手で、ぐって。", (7, 14))


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("首のところ、なにかされたことある？", "ううん。なにも。"),  # no yes
        ("首のところ、なにかされたことある？", "うん。"),  # a yes and nothing of how
        ("首のところ、なにかされたことある？", "うん、おかあさんがぎゅってしてくれる。"),  # a hug
        ("学校で、なにかされたことある？", "うん。手で、ぐって。"),  # no part of the body
        (
            "首のところ、なにかされたことある？",
            "うん。お父さんが帰ってくると、いつも、夜中まで大きな声でどなってて、こわくて",
        ),  # more than a few words of how
    ],
)
def test_nothing_is_acted_on_without_a_yes_a_part_and_a_few_words_of_how(
    question: str, answer: str
) -> None:
    assert acted_on(question, answer, YES) is None


def test_a_yes_and_how_to_something_done_to_the_neck_is_strangling(sheet_of: Sheet) -> None:
    # The sixty-third set's bl068, the one clean severe record missed on 65 sets.
    sheet = sheet_of(
        ("handler", "首のところ、なにかされたことある？"),
        ("caller", "……うん。手で、ぐって。おかあさんの、かれしに。"),
    )
    assert sheet.severe == ("strangling",)
    hug = sheet_of(
        ("handler", "首のところ、なにかされたことある？"),
        ("caller", "うん、おかあさんがぎゅってしてくれる。"),
    )
    assert not hug.severe


def test_how_it_was_done_is_said_after_the_part_asked_how_about() -> None:
    # dq012: 「どうされたのかな」 asks how, as 「どうしたの」 does.
    filled = acted_on("首のところ、どうされたのかな。", "りょうほうのてで、ぎゅって。", YES)
    assert filled == Filled("首のところを、りょうほうのてで、ぎゅって。", (7, 21))
