"""The second reader on the sheet (RiskAssessor with a backstop): a suspicion is shown to be
confirmed, first among the questions; it ticks nothing, changes no tier, and goes once the
rules tick a severe cue."""

from __future__ import annotations

import pytest

from consult_assist.events import TranscriptFinal
from consult_assist.risk.assess import RiskAssessor
from consult_assist.risk.backstop import Backstop, TrainingRecord, train
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

_C, _H = "caller", "handler"


@pytest.fixture(scope="module")
def reader() -> Backstop:
    # Invented phrasing no rule knows: 「ぎゅむぎゅむ」 for a squeezed neck.
    severe = ["パパにぎゅむぎゅむされた", "ぎゅむぎゅむされてくるしかった", "またぎゅむぎゅむ"]
    calm = ["きょうはがっこうでサッカー", "ごはんおいしかった", "せんせいにほめられた", "ねむい"]
    records = [TrainingRecord(((_C, t),), ("strangling",)) for t in severe]
    records += [TrainingRecord(((_C, t),)) for t in calm]
    return train(records, iterations=150)


def _sheet(model: RiskModel, reader: Backstop | None, *turns: tuple[str, str]) -> Assessment:
    assessor = RiskAssessor(model.matcher, model.manual, reader)
    for n, (speaker, text) in enumerate(turns):
        at = 10.0 * n
        assessor.observe(
            TranscriptFinal(
                session="s", at=at, utterance=n, start=at, end=at + 1, text=text, speaker=speaker
            )
        )
    return assessor.assessment()


def test_a_suspicion_is_shown_and_asked_first_but_ticks_nothing(
    model: RiskModel, reader: Backstop
) -> None:
    plain = _sheet(model, None, (_C, "きのう、パパにぎゅむぎゅむされた"))
    sheet = _sheet(model, reader, (_C, "きのう、パパにぎゅむぎゅむされた"))
    [suspicion] = sheet.suspected
    assert suspicion.subitem == "strangling" and suspicion.at == 0.0
    assert suspicion.speaker == _C and any("ぎゅむ" in w for w in suspicion.words)
    assert sheet.tier == plain.tier and sheet.items == plain.items and not sheet.severe
    first = sheet.next[0]
    assert first.item == "likely_serious_harm" and "要確認" in first.reason
    assert "ぎゅむ" in first.ask
    assert sheet.next[1:] == plain.next
    assert sheet.to_json()["suspected"][0]["subitem"] == "strangling"


def test_the_handler_s_question_is_not_read(model: RiskModel, reader: Backstop) -> None:
    sheet = _sheet(model, reader, (_H, "パパにぎゅむぎゅむされたりしてない？"))
    assert sheet.suspected == ()


def test_on_one_channel_a_question_is_not_read(model: RiskModel, reader: Backstop) -> None:
    sheet = _sheet(model, reader, ("", "パパにぎゅむぎゅむされたりしてない？"))
    assert sheet.suspected == ()


def test_once_the_rules_tick_a_severe_cue_the_suspicion_goes(
    model: RiskModel, reader: Backstop
) -> None:
    sheet = _sheet(
        model,
        reader,
        (_C, "パパにぎゅむぎゅむされた"),
        (_H, "どこを？"),
        (_C, "首を絞められて、息ができなかった"),
    )
    assert "strangling" in sheet.severe and sheet.suspected == ()


def test_the_same_sub_item_suspected_again_keeps_the_latest_words(
    model: RiskModel, reader: Backstop
) -> None:
    sheet = _sheet(
        model,
        reader,
        (_C, "パパにぎゅむぎゅむされた"),
        (_H, "うん"),
        (_C, "またぎゅむぎゅむされて、くるしかった"),
    )
    [suspicion] = sheet.suspected
    assert suspicion.text == "またぎゅむぎゅむされて、くるしかった" and suspicion.at == 20.0


def test_the_shipped_manuals_carry_a_reader_trained_on_the_labelled_sets(
    model: RiskModel,
) -> None:
    assert model.backstop is not None
    assert len(model.backstop.trained_on) >= 55 and "tuning" in model.backstop.trained_on


def test_a_caller_s_own_wondering_is_read(model: RiskModel, reader: Backstop) -> None:
    # 「…のかな」 is a question only in form: the caller wonders aloud (the fifty-ninth set's
    # 「ぼく、しんだほうがいいのかな」 was missed by the rules and not read).
    sheet = _sheet(model, reader, (_C, "またパパにぎゅむぎゅむされるのかな"))
    assert [s.subitem for s in sheet.suspected] == ["strangling"]


@pytest.mark.parametrize(
    "turns",
    [
        # The neglect sample call as the recognizer wrote it, on one channel (the reader
        # trained with less regularisation suspected strangling from 「お兄ちゃん」 there).
        (("unknown", "お子さんたちは何歳くらいですか"), ("unknown", "お兄ちゃんが小学二年生で。")),
        ((_H, "お子さんたちは何歳くらいですか"), (_C, "お兄ちゃんが小学二年生で。")),
        ((_C, "うちのお兄ちゃんが中学生で、妹が五歳です"),),
        ((_C, "息子が水泳を習ってて、最近クロールができるようになったんです。"),),
        ((_C, "寝違えて首が痛いって言ってました。"),),
        ((_C, "お風呂が大好きで、なかなか出てこないんです。"),),
        (
            (_H, "おうちの大人は、どんな様子ですか。"),
            (_C, "おばあちゃんが近くに住んでて、よく面倒を見てくれます。"),
        ),
    ],
)
def test_the_shipped_reader_suspects_nothing_in_ordinary_family_talk(
    model: RiskModel, turns: tuple[tuple[str, str], ...]
) -> None:
    assert not _sheet(model, model.backstop, *turns).suspected
