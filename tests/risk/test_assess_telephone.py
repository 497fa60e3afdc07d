"""The sheet on what a recognizer gives on a mono telephone call: one sentence cut into finals
at its pauses, the handler's greeting heard as the caller's words, a condition cut off."""

from __future__ import annotations

from consult_assist.events import TranscriptFinal
from consult_assist.risk.assess import RiskAssessor
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment


def _call(model: RiskModel, *finals: tuple[float, float, str]) -> Assessment:
    """``(start, end, text)`` finals of a mono call (speaker unknown), cut as a recognizer cuts."""
    assessor = RiskAssessor(model.matcher)
    for number, (start, end, text) in enumerate(finals):
        assessor.observe(
            TranscriptFinal(
                session="tel",
                at=end + 0.8,
                utterance=number,
                start=start,
                end=end,
                text=text,
                speaker="unknown",
            )
        )
    return assessor.assessment()


def test_a_sentence_cut_at_its_pauses_keeps_its_words_together(model: RiskModel) -> None:
    sheet = _call(
        model,
        (17.4, 20.4, "私にどなるんです ものを投げたり"),
        (20.9, 23.0, "壁にをしつけたりそれよ"),
        (23.6, 25.9, "5歳の息子がいつも見てるんです。"),
    )
    assert sheet.item("recurrence").state == "該当"


def test_always_after_a_long_pause_borrows_nothing(model: RiskModel) -> None:
    sheet = _call(
        model,
        (17.4, 20.4, "私にどなるんです ものを投げたり"),
        (26.0, 28.0, "5歳の息子がいつも見てるんです。"),
    )
    assert sheet.item("recurrence").state == "未確認"


def test_the_centres_greeting_misheard_makes_no_carer_of_a_suicidal_child(
    model: RiskModel,
) -> None:
    sheet = _call(
        model,
        (0.7, 4.5, "ハイ子供家停止エンセンターです どうしましたか"),
        (5.5, 7.8, "あの話聞いてもらえますか"),
        (12.0, 14.0, "中学に年なんですけど"),
        (14.5, 17.0, "もう死にたいって毎日思ってて"),
    )
    assert sheet.severe == ("child_suicidal",)


def test_a_handlers_if_cut_off_before_its_advice_tells_no_urge(model: RiskModel) -> None:
    sheet = _call(
        model,
        (80.0, 84.0, "みさきさんはありがとう もしこんや気持ちが抑えられなくなったら"),
        (84.3, 88.0, "すぐに199番かこの番号に電話してね"),
    )
    assert sheet.item("urgent_situation").state == "未確認"


def test_a_no_about_an_injury_does_not_deny_the_age_asked_with_it(model: RiskModel) -> None:
    sheet = _call(
        model,
        (60.0, 64.0, "3歳のお子さんが一人で外に けがはしていませんでしたか"),
        (64.5, 66.0, "けがわなかったです。部屋まで連れていきました。"),
    )
    infant = [e for e in sheet.item("likely_serious_harm").evidence]
    assert not any(e.denies for e in infant)


def test_a_yes_then_what_was_not_looked_at_is_no_denial(model: RiskModel) -> None:
    sheet = _call(
        model,
        (
            40.0,
            46.0,
            "写真を送るように言われたり、性的なことを求められたりしている様子はありますか",
        ),
        (
            46.5,
            52.0,
            "写真を送って、というのはありました。性的な写真なのかは、怖くて見ていません。",
        ),
    )
    assert not any(e.denies for item in sheet.items for e in item.evidence)


def test_limp_misheard_as_kuttari_on_the_telephone_is_unconsciousness(model: RiskModel) -> None:
    sheet = _call(model, (30.1, 32.6, "頭から血が出てくったりしてるんです"))
    assert sheet.severe == ("unconscious",)
