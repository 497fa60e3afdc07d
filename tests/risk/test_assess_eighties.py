"""The sheet of a call on what the seventy-eighth to eighty-first blind sets showed, and the
one clean severe record the seventies left (bw096).

Each case failed before the change it names (manuals/risk.toml, risk/clauses.py or
risk/assess.py).
"""

from __future__ import annotations

from collections.abc import Callable

from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def test_a_yes_that_goes_on_to_what_the_child_was_not_let_do(sheet_of: Sheet) -> None:
    # bw096: the handler sums up, the caller says yes and how long; 「上げてもらえなかった」
    # closes on a negation that tells what was done (clauses.not_let), not a no.
    asked = ("handler", "そのとき、お子さんの顔はお湯につかってたってこと？")
    sheet = sheet_of(asked, ("caller", "そう、そうです、何秒も、上げてもらえなかったって"))
    assert "drowning" in sheet.severe
    assert not sheet_of(asked).severe  # the handler's summing up alone ticks nothing
    denied = sheet_of(asked, ("caller", "いえ、顔はつかってないです。すぐ上げました"))
    assert not denied.severe
