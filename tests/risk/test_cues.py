"""Finding sub-items in one utterance: what a speaker takes back, and rumour words denied."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _subitems(model: RiskModel, text: str) -> set[str]:
    return {hit.subitem for hit in model.matcher.find(text).hits}


@pytest.mark.parametrize(
    "text",
    [
        "首しめられた…っていうか、ちがう、首のとこの服をつかまれて、引っぱられただけ",
        "首閉められたっていうか違う首のとこの服をつかまれて引っ張られただけ",  # as ASR writes it
        "首を絞められた、いや違う、肩をつかまれた",
    ],
)
def test_words_the_speaker_takes_back_at_once_find_nothing(model: RiskModel, text: str) -> None:
    assert "strangling" not in _subitems(model, text)


@pytest.mark.parametrize(
    "text", ["首を絞められた。違う日には殴られた", "首を絞められて、違うって言ったのに"]
)
def test_a_different_that_only_describes_takes_nothing_back(model: RiskModel, text: str) -> None:
    assert "strangling" in _subitems(model, text)


@pytest.mark.parametrize(
    ("text", "subitem"),
    [
        # Who is speaking is put right, the child still does not wake (the sixtieth set).
        (
            "弟がばったーんってなって、起きんのや、じいちゃん…ちゃう、お姉ちゃんやけど",
            "unconscious",
        ),
        ("首を絞められた、パパ…ちがう、ママに", "strangling"),
    ],
)
def test_a_different_that_puts_right_a_bare_noun_takes_nothing_else_back(
    model: RiskModel, text: str, subitem: str
) -> None:
    assert subitem in _subitems(model, text)


def test_a_collar_grabbed_is_no_neck_grabbed(model: RiskModel) -> None:
    assert "strangling" not in _subitems(model, "首のとこの服をつかまれただけ")
    assert "strangling" in _subitems(model, "お父さんに首をつかまれて苦しかった")


def test_a_rumour_word_denied_at_once_makes_no_rumour(model: RiskModel) -> None:
    found = model.matcher.find("噂じゃなくて、実際に注射器が部屋に落ちてるのを私が見たんです")
    assert not found.rumour
    assert model.matcher.find("噂で聞いたんですけど、注射器が落ちてたって").rumour


@pytest.mark.parametrize(
    "text",
    [
        "さっき、首しめられたって言ったの、あれ、うそ。ごめんなさい",
        "首しめられたって言ったの、うそ",
    ],
)
def test_words_the_speaker_calls_a_lie_find_nothing_in_that_utterance(
    model: RiskModel, text: str
) -> None:
    assert "strangling" not in _subitems(model, text)


def test_words_said_to_be_no_lie_still_count(model: RiskModel) -> None:
    assert "strangling" in _subitems(model, "首しめられたって言ったのは嘘じゃないよ")


def test_a_disclosure_taken_back_later_in_the_call_still_stands(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "きのう、お父さんに首をしめられた"),
        ("caller", "さっき、首しめられたって言ったの、あれ、うそ。だから誰にも言わないで"),
    )
    assert sheet.severe == ("strangling",)


@pytest.mark.parametrize(
    "text",
    ["妹は3歳 あ ごめんなさい 13歳です ちゅういち", "4歳って言ったの、小4の間違いです。10歳くらい"],
)
def test_an_age_the_caller_corrects_is_not_the_childs(model: RiskModel, text: str) -> None:
    assert "infant_or_vulnerable_child" not in _subitems(model, text)


def test_the_age_said_after_a_correction_counts(model: RiskModel) -> None:
    hits = [h for h in model.matcher.find("13歳じゃなくて3歳です").hits]
    assert [h.matched[:2] for h in hits if h.subitem == "infant_or_vulnerable_child"] == ["3歳"]


def test_what_rather_replaces_is_taken_back(model: RiskModel) -> None:
    """「叩かれたっていうか、蹴られた」: 叩かれた is replaced; a trailing っていうか is not."""
    assert "parent_impulsive_aggressive" not in _subitems(
        model, "手を上げるっていうか、殺しちゃうかもって"
    )
    assert "parenting_exhaustion" in _subitems(model, "もう気力が残ってないっていうか……")


def test_an_age_said_and_then_put_right_is_not_the_childs(model: RiskModel) -> None:
    text = "あ、すいません、さっき3歳って言いましたけど、3年生です。小学校の"
    assert "infant_or_vulnerable_child" not in _subitems(model, text)


def test_a_patterns_named_hit_is_the_evidence_and_the_rest_its_context(model: RiskModel) -> None:
    """「お風呂でね、ママに頭を…入れられて」: the water word, in a sentence of its own, is context;
    the evidence (and the act it is said in) is the head put under."""
    found = model.matcher.find("お風呂でね、ママに頭をお湯の中に入れられて、くるしかった")
    drowning = [h for h in found.hits if h.subitem == "drowning"]
    assert drowning and all(h.matched.startswith(("頭", "ママ")) for h in drowning)


@pytest.mark.parametrize(
    ("text", "severe"),
    [
        ("お父さんに、のど、ぎゅってされた", "strangling"),
        ("赤ちゃんの口と鼻をタオルで押さえつけてて", "strangling"),
        ("洗面器の水に、顔をずっと押しつけられてた", "drowning"),
        ("バケツの水に頭を沈められた", "drowning"),
    ],
)
def test_a_body_part_a_forcing_verb_and_water_or_a_hand_make_the_severe_cue(
    model: RiskModel, sheet_of: Sheet, text: str, severe: str
) -> None:
    assert severe in sheet_of(("caller", text)).severe


@pytest.mark.parametrize(
    "text",
    [
        "プールで顔を水につける練習をしてます",
        "のどが痛いって、首を押さえてる",
        "手で口を押さえて笑ってた",
        "お風呂に入れて、頭を洗ってあげた",
    ],
)
def test_everyday_words_near_those_parts_make_no_severe_cue(sheet_of: Sheet, text: str) -> None:
    assert sheet_of(("caller", text)).severe == ()


def test_tteiuka_that_points_back_takes_nothing_back(model: RiskModel) -> None:
    text = "水を張った中に頭ごと、沈めるっていうか、そういうのを夫が"
    assert "drowning" in _subitems(model, text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("わしが育てとる孫やけど、もう体が言うこと聞かん。", False),  # やけど: "but"
        ("明日行くんやけど", False),
        ("足にひどいやけどで登園してきて", True),
        ("顔やけどしてた", True),
        ("大やけどした", True),
    ],
)
def test_an_except_pattern_removes_the_cue_inside_it(
    model: RiskModel, text: str, found: bool
) -> None:
    assert ("burn" in _subitems(model, text)) is found


@pytest.mark.parametrize(
    "text",
    ["プールで友達にふざけて沈められたって話でした", "クラスの子に首を絞められた"],
)
def test_what_another_child_did_is_no_carers_act(model: RiskModel, text: str) -> None:
    assert not _subitems(model, text) & {"drowning", "strangling"}


def test_a_friend_told_of_before_the_carer_does_not_hide_the_carer(model: RiskModel) -> None:
    assert "strangling" in _subitems(model, "友達に聞いたら、お父さんに首を絞められたって")


@pytest.mark.parametrize(
    "text",
    [
        "さっき火傷してるって言ったんですけど、すみません、よく見たら絵の具でした。",
        "ベランダに出されたって言ったけど、ごめん、自分で出てっただけ。",
        "お母さんに沈められたって、あ、違います",
        "お父さんがお母さんを叩いてて…いや、あれ叩いてたんじゃなくて、肩たたきしてただけだ",
        # The word itself denied at once, with or without いや.
        "上の子が施設に…あ、いえ、施設じゃなくて、全寮制の学校です。",
        # What was found after the words were said.
        "さっき骨折って言いましたけど、病院でレントゲン撮ったら折れてなくて、ただの打ち身でした",
    ],
)
def test_words_said_then_put_right_find_nothing(model: RiskModel, text: str) -> None:
    assert not _subitems(model, text) & {
        "burn",
        "left_outside",
        "drowning",
        "domestic_violence",
        "prior_reports_or_protection",
        "serious_injury",
    }


def test_the_age_evidence_is_the_number_with_its_unit(model: RiskModel) -> None:
    found = model.matcher.find("前にエレベーターで一緒になった時、この子三歳になったんですって")
    [age] = [h for h in found.hits if h.subitem == "infant_or_vulnerable_child"]
    assert age.matched == "三歳"
