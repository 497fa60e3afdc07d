"""Finding sub-items in one utterance: what a speaker takes back, and rumour words denied."""

from __future__ import annotations

import pytest

from consult_assist.risk.model import RiskModel


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


def test_a_collar_grabbed_is_no_neck_grabbed(model: RiskModel) -> None:
    assert "strangling" not in _subitems(model, "首のとこの服をつかまれただけ")
    assert "strangling" in _subitems(model, "お父さんに首をつかまれて苦しかった")


def test_a_rumour_word_denied_at_once_makes_no_rumour(model: RiskModel) -> None:
    found = model.matcher.find("噂じゃなくて、実際に注射器が部屋に落ちてるのを私が見たんです")
    assert not found.rumour
    assert model.matcher.find("噂で聞いたんですけど、注射器が落ちてたって").rumour
