"""The sheet of a call on what the seventy-eighth to eighty-first blind sets showed, and the
one clean severe record the seventies left (bw096).

Each case failed before the change it names (manuals/risk.toml, risk/clauses.py or
risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _state(sheet: Assessment, item: str) -> str:
    return sheet.item(item).state


def test_a_yes_that_goes_on_to_what_the_child_was_not_let_do(sheet_of: Sheet) -> None:
    # bw096: the handler sums up, the caller says yes and how long; 「上げてもらえなかった」
    # closes on a negation that tells what was done (clauses.not_let), not a no.
    asked = ("handler", "そのとき、お子さんの顔はお湯につかってたってこと？")
    sheet = sheet_of(asked, ("caller", "そう、そうです、何秒も、上げてもらえなかったって"))
    assert "drowning" in sheet.severe
    assert not sheet_of(asked).severe  # the handler's summing up alone ticks nothing
    denied = sheet_of(asked, ("caller", "いえ、顔はつかってないです。すぐ上げました"))
    assert not denied.severe


@pytest.mark.parametrize(
    "text",
    [
        "首なんか絞められてへん",
        "しにたいとかは思ってへんよ。学校はつまらんけど。",  # bi074
    ],
)
def test_a_denial_in_kansai_words_is_no_severe_cue(sheet_of: Sheet, text: str) -> None:
    # 「…てへん」: the reading of acts did not know this へん as a negation (knowledge/acts.py).
    assert not sheet_of(("caller", text)).severe


def test_a_kansai_denial_of_drinking_ticks_nothing(sheet_of: Sheet) -> None:
    # aw082: 「飲まへん」「一回もないです」 deny both.
    sheet = sheet_of(
        ("caller", "うちの人は、お酒は一滴も飲まへんし、手ぇあげたことも一回もないです")
    )
    assert _state(sheet, "parent_factors") != "該当"
