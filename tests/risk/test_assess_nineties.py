"""The sheet of a call on what the ninety-fourth to ninety-eighth blind sets showed.

Each case failed before the change it names (manuals/risk.toml, risk/clauses.py, risk/cues.py,
risk/assess.py, knowledge/acts.py or knowledge/slots.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.knowledge.acts import acts_of
from consult_assist.knowledge.slots import extract
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        # cq007: only heard through the wall, the child's own words and coughing.
        (
            "壁の向こうで女の子が『くるしい、首やめて、ごめんなさい』って叫んで、"
            "そのあと咳きこんでるのが聞こえたんです。",
            "strangling",
        ),
        ("首に索状痕と、目に点状出血があります。", "strangling"),  # cs035, a doctor's words
        ("昨日ほんまに首に手ぇかけてきてん。", "strangling"),  # cu006, 手ぇ
        ("もぐれって頭おされて、お水いっぱい飲んで、げほげほってなった。パパに。", "drowning"),
        (
            "お風呂でもぐる練習や言うて、お父さんが頭ずうっと押さえてて、上がられへんかった",
            "drowning",
        ),
        ("母が、障害のある妹が暴れると顔をお湯につけて黙らせるんです。", "drowning"),  # cr016
        (
            "『2歳の弟が起きない』って言うんです。部屋に入ったら、その子が布団の上で"
            "動かなくて、大人は誰もいなかった",
            "unconscious",
        ),
        (
            "孫から電話きてよ、『ばあちゃん、わたしもう生きてたくねえ』って言うのっしゃ。",
            "child_suicidal",
        ),
        ("『死にたか』って、ぽろっと言うたとです。", "child_suicidal"),  # ct015, Kyushu
        (
            "『ここから消えちゃえば、もう家に帰らなくていいよね』って言ったんです。",
            "child_suicidal",
        ),
    ],
)
def test_severe_words_heard_glimpsed_or_in_dialect(sheet_of: Sheet, text: str, severe: str) -> None:
    assert severe in sheet_of(("caller", text)).severe


def test_a_what_to_do_question_run_on_by_the_recognizer_asks_nothing_before_it(
    sheet_of: Sheet,
) -> None:
    # cu140: no comma before 「どうしたらいいか」; the te-form closes what was told.
    told = "クラスの子が親になぐられるくらいなら自殺したいってラインで送ってきてどうしたらいいか"
    assert "child_suicidal" in sheet_of(("caller", told)).severe
    # 「どうして」 asks why, and a condition stays one.
    assert not sheet_of(("caller", "首を絞められたらどうしたらいいか")).severe


def test_a_grandparent_s_granddaughter_is_no_carer_s_own_child(sheet_of: Sheet) -> None:
    # ct017/ct136: 「孫娘が」 made the grandmother the girl's carer, and the girl's quoted
    # 「死にたい」 (『…』言うて, with no って) the grandmother's own.
    assert extract("relation", "孫娘がのう、手首を、カッターで").value == "祖父母"  # type: ignore[union-attr]
    for quoted in (
        "何本も線が入っとって。『もう死にたいけぇ、ほっといて』言うて、部屋から出てこんのよ",
        "何本も線が入っとって もう死にたいけえほっといて言うて部屋から出てこん",
    ):
        sheet = sheet_of(
            ("caller", "孫娘がのう、手首を、カッターで、こう…"),
            ("handler", "ええ"),
            ("caller", quoted),
        )
        assert "child_suicidal" in sheet.severe
    assert extract("relation", "娘が、最近眠れなくて").value == "保護者"  # type: ignore[union-attr]


def test_what_one_need_not_do_is_no_request() -> None:
    assert acts_of("もう家に帰らなくていい。").sentences[0].kind == "statement"
    assert acts_of("電話していいよ").sentences[0].kind == "request"


def test_a_long_vacant_look_is_no_loss_of_consciousness(sheet_of: Sheet) -> None:
    # cq061: a month of not answering is a sign, not an emergency of the body.
    text = "女の子が、ここ一か月くらい目がうつろで、何を聞いても返事しなくなっちゃって。"
    assert not sheet_of(("caller", text)).severe
    assert "unconscious" in sheet_of(("caller", "目がうつろで、呼んでも返事がないんです")).severe
