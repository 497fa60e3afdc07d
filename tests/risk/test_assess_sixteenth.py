"""The sheet of a call on what the sixteenth session's blind sets showed, and on what the
sets before them left.

Each case that expects a box ticked failed before the change it names; the cases that expect
the opposite beside them guard against first versions of those changes that went too far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def test_a_tohoku_no_reaction_told_is_unconscious(sheet_of: Sheet) -> None:
    # dn008: 「なんも反応ねぇの」 is nothing, told; it was read as 「何」 asking.
    sheet = sheet_of(
        ("caller", "孫が朝っから起きねぇのっす。揺すっても、ぐでーっとして、なんも反応ねぇの。")
    )
    assert "unconscious" in sheet.severe


def test_a_child_whom_mama_acts_on_owns_her_wish_to_vanish(sheet_of: Sheet) -> None:
    # cw024: a caller whom ママ dislikes is the child; her 「きえたい」 is hers, not a carer's.
    sheet = sheet_of(
        (
            "caller",
            "あのね、あかちゃんがきてから、ママがわたしのこときらいなの。わたし、もうきえたい。",
        )
    )
    assert "child_suicidal" in sheet.severe
    assert "parent_psychiatric_crisis" not in sheet.item("parent_factors").subitems


def test_a_mother_speaking_of_her_own_mother_is_still_the_carer(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "実家の母が私のことを責めてばかりで、もう私、死にたいんです。"))
    assert not sheet.severe
    assert "parent_psychiatric_crisis" in sheet.item("parent_factors").subitems


def test_a_what_if_owned_with_what_was_checked_is_the_childs(sheet_of: Sheet) -> None:
    # dk042: the yes comes with 「…開いてるか、見に行った」, which was read as a question.
    sheet = sheet_of(
        ("caller", "もし、自殺したいって子から電話があったら、ここって話聞いてくれるんですか。"),
        ("handler", "聞きますよ。今、あなたがそう思ってるのかな。"),
        ("caller", "……うん。今日、屋上の鍵が開いてるか、見に行った。"),
    )
    assert "child_suicidal" in sheet.severe


def test_a_fathers_what_to_say_leaves_his_daughters_wish_told(sheet_of: Sheet) -> None:
    # df116 (ASR): 「…もうしにたいって俺何て言ってやればいいのか」 read as one question.
    sheet = sheet_of(
        (
            "caller",
            "あの娘のことで小4なんですけど昨日の夜布団被ってもうしにたいって"
            "俺何て言ってやればいいのか分かんなくて",
        )
    )
    assert "child_suicidal" in sheet.severe


def test_how_the_neck_was_done_told_by_a_young_child_is_strangling(sheet_of: Sheet) -> None:
    # dq012
    sheet = sheet_of(
        ("handler", "首のところ、どうされたのかな。"),
        ("caller", "りょうほうのてで、ぎゅって。せなかが、ドアにくっついてて、にげれなかった。"),
    )
    assert sheet.severe == ("strangling",)


@pytest.mark.parametrize(
    ("turns", "severe"),
    [
        # dq008: a small child's hiragana 「うごかない」 after shaking.
        (
            (
                ("handler", "妹さんは、いま、目をあけてる？"),
                ("caller", "あけてない……。ゆすっても、うごかないの。ねえ、どうしよう。"),
            ),
            "unconscious",
        ),
        # dq016: water up the nose, and the head pushed, told in a child's words.
        (
            (
                ("handler", "お風呂で、こわいこと、あったのかな。"),
                (
                    "caller",
                    "うん。おみずが、はなに、はいって、くるしかった。ママが、あたま、ぐって、おしたの。",
                ),
            ),
            "drowning",
        ),
        # dq017: a face put in a pond.
        (
            (
                (
                    "caller",
                    "いけにね、おとうさんが、わたしのかお、つけたの。いうこときかないからって。",
                ),
            ),
            "drowning",
        ),
    ],
)
def test_severe_acts_in_a_young_childs_words(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...], severe: str
) -> None:
    assert severe in sheet_of(*turns).severe


def test_a_swimming_coach_pushing_a_head_under_is_no_drowning(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        (
            "caller",
            "プールでおみずがはなにはいってくるしかった。コーチがあたまをおしてもぐるれんしゅう",
        )
    )
    assert not sheet.severe
