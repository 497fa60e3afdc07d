"""The sheet of a call on what the hundred-and-fourth to hundred-and-eighth blind sets showed,
and on what the hundred sets before them left.

Each case that expects a box ticked, conflicting or read as no severe act failed before the
change it names; the cases that expect the opposite beside them guard against first versions
of those changes that went too far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.risk.cues import takes_back
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


# ct111 and cw103: the alarm put right a turn later, after the handler's question.
LIMP_THEN_ASLEEP = (
    ("caller", "ぐったりして、動かへん…"),
    ("handler", "お子さん、今、呼びかけに"),
    ("caller", "あ、いや、寝とっただけやわ。今、いびきかいとる。すんません、びっくりして"),
)


@pytest.mark.parametrize(
    "turns",
    [
        LIMP_THEN_ASLEEP,
        (
            ("caller", "あの、娘が息してないんじゃないかって……"),
            ("handler", "落ち着いてくださいね。胸やおなかは動いていますか。"),
            ("caller", "あ……動いてます。すみません、ぐっすり寝てるだけでした。"),
        ),
    ],
)
def test_an_alarm_taken_back_a_turn_later_stays_and_shows_as_conflicting(
    sheet_of: Sheet, turns: tuple[tuple[str, str], ...]
) -> None:
    sheet = sheet_of(*turns)
    harm = sheet.item("serious_harm")
    # Not dropped: a later word does not silence a severe alarm, it is asked about again.
    assert harm.state == "該当" and "unconscious" in sheet.severe
    assert harm.conflicting
    assert [e.denies for e in harm.evidence] == [False, True]
    assert harm.evidence[1].text == turns[-1][1]
    assert any(q.item == "serious_harm" and q.reason for q in sheet.next)


def test_a_taking_back_long_after_the_alarm_points_at_nothing(sheet_of: Sheet) -> None:
    filler = [("caller", "それで、朝ごはんは食べてなくて。"), ("handler", "はい。")] * 3
    sheet = sheet_of(LIMP_THEN_ASLEEP[0], *filler, LIMP_THEN_ASLEEP[2])
    assert not sheet.item("serious_harm").conflicting


def test_the_handlers_words_take_nothing_back(sheet_of: Sheet) -> None:
    sheet = sheet_of(LIMP_THEN_ASLEEP[0], ("handler", "寝てただけかもしれませんね。すみません"))
    assert not sheet.item("serious_harm").conflicting


def test_a_turn_with_marks_of_its_own_takes_nothing_back(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        LIMP_THEN_ASLEEP[0],
        ("caller", "いや、寝てただけって言いましたけど、違うんです、首を絞められて"),
    )
    harm = sheet.item("serious_harm")
    assert not harm.conflicting
    assert "strangling" in sheet.severe


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("あ、いや、寝とっただけやわ。", True),
        ("すみません、ぐっすり寝てるだけでした。", True),
        ("さっき叩いたって言いましたけど、違うんです。", True),
        ("寝てるだけだと思ってたら、息してなくて", False),
        ("すみません、夜分に。", False),
    ],
)
def test_takes_back(text: str, back: bool) -> None:
    assert takes_back(text) is back
