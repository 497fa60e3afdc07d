"""A disclosure told in pieces across an exchange (risk/fragments.py, and the sheet it feeds)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consult_assist.events import TranscriptFinal
from consult_assist.risk.fragments import Fragments
from consult_assist.risk.sheet import Assessment

Sheet = Callable[..., Assessment]


def _feed(turns: list[tuple[str, str]], gap: float = 5.0) -> list[str | None]:
    fragments = Fragments()
    out = []
    for n, (speaker, text) in enumerate(turns):
        final = TranscriptFinal(
            session="s", at=n * gap, utterance=n, start=n * gap, end=n * gap + 1, text=text,
            speaker=speaker,
        )  # fmt: skip
        joined = fragments.observe(final)
        out.append(None if joined is None else joined.text)
    return out


def test_fragments_with_an_echo_between_are_joined() -> None:
    out = _feed(
        [("caller", "……くび"), ("handler", "くび？"), ("caller", "うん。りょうてで、ぎゅって")]
    )
    assert out == [None, None, "……くび、うん。りょうてで、ぎゅって"]


def test_a_run_of_fragments_is_joined_whole() -> None:
    out = _feed(
        [("caller", "あたま、おさえられて"), ("caller", "おゆのなか。"), ("caller", "ごぼごぼって")]
    )
    assert out[2] == "あたま、おさえられて、おゆのなか、ごぼごぼって"


def test_a_turn_cut_off_mid_sentence_is_a_fragment_however_long() -> None:
    out = _feed(
        [
            ("caller", "ゆうがた、おこって、ぼくの、くびを"),
            ("handler", "うん。"),
            ("caller", "りょうての、てで、ぎゅーって。いきできなくて、めのまえ、しろくなった"),
        ]
    )
    assert out[2] is not None and out[2].startswith("ゆうがた")


def test_a_longer_turn_of_the_handler_that_opens_with_an_echo_keeps_the_telling() -> None:
    # The fifty-ninth set's bh01: a trained handler echoes, thanks, then asks.
    out = _feed(
        [
            ("caller", "うん。あと……きのう、ちょっと、首をね、こうやって、両手で。"),
            ("handler", "首を、両手で。話してくれてありがとう。そのとき、苦しかった？"),
            ("caller", "息できなくて、目の前チカチカした。"),
        ]
    )
    told = "うん。あと……きのう、ちょっと、首をね、こうやって、両手で、"
    assert out[2] == told + "息できなくて、目の前チカチカした"


def test_the_echoed_telling_is_the_severe_cue(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("caller", "うん。あと……きのう、ちょっと、首をね、こうやって、両手で。"),
        ("handler", "首を、両手で。話してくれてありがとう。そのとき、苦しかった？"),
        ("caller", "息できなくて、目の前チカチカした。お母さんが止めてくれたけど。"),
    )
    assert "strangling" in sheet.severe


@pytest.mark.parametrize(
    "turns",
    [
        # a long turn of the handler that opens with words the caller did not say
        [
            ("caller", "首をね、両手で。"),
            ("handler", "そうだったんだね。話してくれてありがとう。そのとき、苦しかった？"),
            ("caller", "息できなくて"),
        ],
        # two long turns: each says what it says
        [
            ("caller", "昨日の夜から子どもが熱を出していて心配です"),
            ("caller", "病院に連れて行くべきか迷っています"),
        ],
        # more than a prompt from the handler between
        [
            ("caller", "くび"),
            ("handler", "首が痛いのかな。寝違えたりすると、朝起きたとき痛くなることがあるよね。"),
            ("caller", "うん、ぎゅってなる"),
        ],
        # two handler turns between
        [("caller", "くび"), ("handler", "うん"), ("handler", "それで？"), ("caller", "ぎゅって")],
    ],
)
def test_turns_that_are_not_one_telling_are_not_joined(turns: list[tuple[str, str]]) -> None:
    assert _feed(turns)[-1] is None


def test_a_long_pause_ends_the_telling() -> None:
    assert _feed([("caller", "くび"), ("caller", "ぎゅって")], gap=60.0)[-1] is None


def test_a_strangling_told_in_fragments_is_the_severe_cue(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "お父さんに、なにをされたのかな。言えるところだけでいいよ。"),
        ("caller", "……くび"),
        ("handler", "くび？"),
        ("caller", "うん。りょうてで、ぎゅって"),
    )
    assert sheet.severe == ("strangling",)
    [evidence] = sheet.item("likely_serious_harm").evidence
    assert evidence.text == "……くび、うん。りょうてで、ぎゅって"


def test_a_drowning_told_in_three_fragments_is_the_severe_cue(sheet_of: Sheet) -> None:
    sheet = sheet_of(
        ("handler", "お風呂で、何があったの？"),
        ("caller", "あたま、おさえられて"),
        ("caller", "おゆのなか。"),
        ("caller", "ごぼごぼって、なった"),
    )
    assert sheet.severe == ("drowning",)


def test_fragments_about_a_stiff_neck_tick_nothing(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "くび"), ("handler", "くび？"), ("caller", "いたいの。ねちがえた"))
    assert sheet.severe == ()


def test_what_one_fragment_says_alone_is_not_counted_twice(sheet_of: Sheet) -> None:
    sheet = sheet_of(("caller", "くびをしめられた"), ("handler", "うん"), ("caller", "きのう"))
    assert len(sheet.item("likely_serious_harm").evidence) == 1


@pytest.mark.parametrize(
    ("question", "answer", "severe"),
    [
        ("水に顔をつけられたり、首をしめられたりしたことはある？", "……みずのほう", "drowning"),
        ("お風呂に沈められたり、首を絞められたりしたことはある？", "おふろ", "drowning"),
        ("お風呂に沈められたり、首を絞められたりしたことはある？", "くび", "strangling"),
    ],
)
def test_an_answer_picking_one_thing_asked_by_its_reading_says_yes_to_it(
    sheet_of: Sheet, question: str, answer: str, severe: str
) -> None:
    sheet = sheet_of(("handler", question), ("caller", answer))
    assert sheet.severe == (severe,)


def test_fragments_of_unknown_speakers_are_not_joined() -> None:
    out = _feed(
        [("unknown", "……くび"), ("unknown", "くび？"), ("unknown", "うん。りょうてで、ぎゅって")]
    )
    assert out == [None, None, None]
