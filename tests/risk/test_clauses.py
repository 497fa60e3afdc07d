"""How the words of one utterance stand: closed clauses, opening denials, adult subjects."""

from __future__ import annotations

import pytest

from consult_assist.knowledge.acts import acts_of
from consult_assist.risk import clauses
from consult_assist.risk.cues import Found, Hit
from consult_assist.risk.model import RiskModel


def _hit(model: RiskModel, text: str, subitem: str) -> tuple[Found, Hit]:
    found = model.matcher.find(text)
    return found, next(h for h in found.hits if h.subitem == subitem)


@pytest.mark.parametrize(
    "text",
    [
        "つい揺さぶっちゃって、大丈夫ですかね",
        "もう無理なんで、しばらく預かってもらえませんか",
        "正直もう限界で、しばらくこの子を施設で預かってもらえませんか",
    ],
)
def test_a_clause_closed_before_the_question_goes_on(model: RiskModel, text: str) -> None:
    found = model.matcher.find(text)
    assert any(clauses.closed_clause(found, hit) for hit in found.hits)


def test_words_in_the_asking_clause_are_not_closed_off(model: RiskModel) -> None:
    found, hit = _hit(model, "揺さぶったりしてないですか？", "shaking_infant")
    assert not clauses.closed_clause(found, hit)


def test_an_answer_that_opens_with_a_denial_of_its_own(model: RiskModel) -> None:
    text = "そういうのは考えてないです。私と娘で、どうしたらいいか知りたくて。"
    assert clauses.opening_denial(acts_of(text), model.matcher.find(text))
    assert not clauses.opening_denial(acts_of("ないです"), model.matcher.find("ないです"))


def test_a_parent_named_as_subject_owns_the_words(model: RiskModel) -> None:
    found, hit = _hit(model, "お母さんが、最近、死にたいって言ってて", "child_suicidal")
    assert clauses.adult_subject(found, hit)
    found, hit = _hit(model, "お母さんは知らないけど、死にたい", "child_suicidal")
    assert not clauses.adult_subject(found, hit)


def test_text_with_no_sentence_mark_is_unpunctuated() -> None:
    assert clauses.unpunctuated("頭叩かれたことある")
    assert not clauses.unpunctuated("頭叩かれたことある？")


def test_a_condition_the_utterance_stops_on_tells_no_thought() -> None:
    text = "もしこんや気持ちが抑えられなくなったら"
    acts = acts_of(text)
    plain = acts.analysis.text
    at = plain.index("抑えられなく")
    assert clauses.cut_at_condition(acts, at, at + 6)
    told = acts_of("ベランダから飛び降りたら楽になるかなって")
    assert not clauses.cut_at_condition(told, 0, 10)


def test_an_answer_that_opens_by_saying_it_is_so() -> None:
    assert clauses.opening_affirmation(
        acts_of("写真を送って、というのはありました。性的な写真なのかは、怖くて見ていません。")
    )
    assert not clauses.opening_affirmation(acts_of("写真はないです。見ていません。"))
    assert not clauses.opening_affirmation(acts_of("ありました"))


@pytest.mark.parametrize(
    ("text", "let"),
    [
        ("そう、そうです、何秒も、上げてもらえなかったって", True),
        ("うん、出してくれなかった", True),
        ("うん、ごはんたべさせてもらえない", True),
        ("はい、叩かれてはいないです", False),
        ("うん、もらえなかった", False),
        ("そうです", False),
    ],
)
def test_an_answer_closing_on_what_the_child_was_not_let_do(text: str, let: bool) -> None:
    assert clauses.not_let(acts_of(text)) is let


def test_an_answer_that_names_someone_there_after_all(model: RiskModel) -> None:
    text = "いえ、母が近くにいるので大丈夫です"
    assert clauses.something_there(acts_of(text), model.matcher.find(text))
    text = "いえ…誰もいないです。"
    assert not clauses.something_there(acts_of(text), model.matcher.find(text))


@pytest.mark.parametrize(
    ("text", "adult"),
    [
        ("お母さんが、最近すごくやつれてて。先週、『もう、消えたい』って玄関で泣かれて", True),
        ("お父さんは疲れてて。『死にたい』って言われたんです", True),
        # the child named before; said by the caller herself; no sentence before it
        ("娘が、最近すごく元気なくて。先週、『もう消えたい』って泣かれて", False),
        ("お母さんが、最近すごくやつれてて。先週、『もう、消えたい』って私が言ったら", False),
        ("先週、『もう、消えたい』って玄関で泣かれて", False),
    ],
)
def test_words_a_parent_named_before_said_to_the_speaker(
    model: RiskModel, text: str, adult: bool
) -> None:
    found, hit = _hit(model, text, "child_suicidal")
    assert clauses.adult_quoted(found, hit) is adult


def test_the_words_to_the_end_of_their_sentence(model: RiskModel) -> None:
    # The normalised text has no punctuation; the sentence's end is read from the tokens.
    found, hit = _hit(model, "えっと、ぼく、しんだほうがいいのかな。わかんない", "child_suicidal")
    assert clauses.to_sentence_end(found, hit.end) == "のかな。"
    assert clauses.to_sentence_end(found, hit.start).startswith("しんだ")
    found, hit = _hit(model, "しにたい。どうしたらいいの", "child_suicidal")
    assert clauses.to_sentence_end(found, hit.end) == "。"
    # With no mark before the end, the rest of the text.
    found, hit = _hit(model, "あのね しにたいってずっと思ってる", "child_suicidal")
    assert clauses.to_sentence_end(found, hit.end).endswith("思ってる")


def test_a_how_to_question_is_read_only_in_its_own_sentence(model: RiskModel) -> None:
    # 「どうしたら楽に」 belongs to the next sentence, about sleep; the wish is asked of the
    # handler's reaction, not told.
    found, hit = _hit(model, "死にたいって言ったら怒る？どうしたら楽に眠れるの？", "child_suicidal")
    assert clauses.to_sentence_end(found, hit.start) == "死にたいって言ったら怒る?"
