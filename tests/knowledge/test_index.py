"""Ranked retrieval over the fixture manual."""

from __future__ import annotations

import numpy as np
import pytest

from consult_assist.knowledge.index import Boost, Hit, ManualIndex
from consult_assist.knowledge.manual import Manual
from consult_assist.knowledge.postings import Postings


@pytest.fixture(scope="module")
def index(manual: Manual) -> ManualIndex:
    return ManualIndex(manual)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("近所の子がいつも同じ服を着てて、ご飯も食べさせてもらってないみたいなんです", "neglect"),
        ("隣の部屋から毎晩子どもの泣き声と、大人が怒鳴る声が聞こえるんです", "neighbour-crying"),
        ("もう消えてしまいたい、生きてる意味がわからない", "suicide-ideation"),
        ("お父さんにグーでなぐられて、顔に青いところができた", "abuse-physical"),
        # Recognition damage: 児童相談所 heard as 口道相談書, いちはやく in kana.
        ("口道相談書に電話したくて、いちはやくって番号にかけました", "line-189"),
    ],
)
def test_top_result(index: ManualIndex, text: str, expected: str) -> None:
    assert index.search(text, top_k=3)[0].section.id == expected


def test_results_explain_themselves(index: ManualIndex) -> None:
    [best] = index.search("いつも同じ服で臭いがするんです", top_k=1)
    assert best.section.id == "neglect"
    assert "同じ服" in best.matched
    assert "いつも同じ服で臭いがする" in best.matched
    keyword = next(h for h in best.hits if h.term == "同じ服")
    item = best.item()
    assert item.excerpt == best.section.excerpt and item.matched == best.matched
    assert keyword.end > keyword.start


def test_scores_favour_neither_long_nor_tiny_utterances(index: ManualIndex) -> None:
    assert float(index.scores("はい").max()) < 0.1
    assert float(index.scores("隣の家から泣き声がする").max()) > 0.2


def test_boost_adds_score_and_explains(index: ManualIndex) -> None:
    hit = Hit(term="殴る", kind="attention", coverage=1.0, start=0, end=2)
    plain = {r.section.id: r.score for r in index.search("こんにちは", top_k=5)}
    boosted = index.search(
        "こんにちは", top_k=5, boosts=[Boost(section="line-189", score=1.0, hit=hit)]
    )
    assert boosted[0].section.id == "line-189"
    assert boosted[0].score == pytest.approx(plain.get("line-189", 0.0) + 1.0, abs=0.2)
    assert boosted[0].matched[0] == "殴る"


def test_empty_query_and_empty_manual(index: ManualIndex) -> None:
    assert index.search("、、") == []
    empty = ManualIndex(Manual(sections=()))
    assert empty.search("泣き声") == [] and len(empty) == 0


def test_postings_sum_weights_per_document() -> None:
    postings = Postings(
        terms=np.array([0, 0, 1]),
        docs=np.array([0, 2, 2]),
        weights=np.array([1.0, 2.0, 3.0]),
        vocabulary=2,
        size=3,
    )
    assert postings.scores([(0, 1.0), (1, 2.0)]).tolist() == [1.0, 0.0, 8.0]
    assert postings.scores([]).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        Postings(
            terms=np.array([1, 0]),
            docs=np.array([0, 0]),
            weights=np.array([1.0, 1.0]),
            vocabulary=2,
            size=1,
        )


def test_every_explanation_shares_terms_with_the_query(index: ManualIndex) -> None:
    from consult_assist.knowledge.text import analyse, char_ngrams

    text = "となりの部屋から毎晩、子どもの泣き声とどなり声がきこえるんです"
    query = analyse(text)
    grams = set(char_ngrams(query.text, (2,))) | set(char_ngrams(query.key, (2,)))
    for result in index.search(text, top_k=5):
        for hit in result.hits:
            unit = analyse(hit.term)
            own = set(char_ngrams(unit.text, (2,))) | set(char_ngrams(unit.key, (2,)))
            assert own & grams, (result.section.id, hit.term)
