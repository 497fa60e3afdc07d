"""The second reader (risk/backstop.py): trained on a handful of records, it suspects a
severe sub-item from words it shares with them, says which words, ticks nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from consult_assist.errors import ManualError
from consult_assist.risk.backstop import (
    CLASSES,
    MIN_CHARS,
    Backstop,
    TrainingRecord,
    load,
    records_from,
    train,
)

_C = "caller"
_H = "handler"


def _records() -> list[TrainingRecord]:
    severe = [
        ("パパに首をぎゅってされて息ができなかった", "strangling"),
        ("夫が娘の首をぎゅっと押さえてた", "strangling"),
        ("首をぎゅーってされたの", "strangling"),
        ("もう消えたい、しにたい", "child_suicidal"),
        ("しにたいって毎日思う", "child_suicidal"),
        ("ぼく、しにたい", "child_suicidal"),
    ]
    calm = [
        "きょうは学校でサッカーをした",
        "お母さんがごはんを作ってくれた",
        "ぎゅってだっこしてもらった",
        "首がいたいのは寝ちがえたから",
        "宿題が多くていやだ",
        "弟とゲームをしてたら楽しかった",
        "先生にほめられた",
        "おばあちゃんの家に行った",
    ]
    out = [TrainingRecord(((_C, text),), (sub,)) for text, sub in severe]
    out += [TrainingRecord(((_C, text),)) for text in calm]
    return out


@pytest.fixture(scope="module")
def reader() -> Backstop:
    return train(_records(), iterations=150)


def test_words_shared_with_severe_records_are_suspected_with_the_words_that_did_it(
    reader: Backstop,
) -> None:
    suspicion = reader.suspect([(_C, "あのね、おとうさんに首をぎゅってされた")], at=12.0)
    assert suspicion is not None
    assert suspicion.subitem == "strangling" and suspicion.at == 12.0
    assert any("首" in w or "ぎゅ" in w for w in suspicion.words)
    assert all(w in suspicion.text for w in suspicion.words)


def test_each_sub_item_is_told_apart(reader: Backstop) -> None:
    suspicion = reader.suspect([(_C, "わたし、しにたいの")])
    assert suspicion is not None and suspicion.subitem == "child_suicidal"


def test_everyday_words_are_not_suspected(reader: Backstop) -> None:
    assert reader.suspect([(_C, "きょうは先生とサッカーをした")]) is None


def test_the_handler_s_own_turn_is_never_suspected(reader: Backstop) -> None:
    assert reader.suspect([(_H, "首をぎゅってされたことはある？")]) is None


def test_an_answer_keeps_the_question_it_answers(reader: Backstop) -> None:
    turns = [(_H, "首をぎゅってされたの？"), (_C, "首をぎゅって、うん")]
    suspicion = reader.suspect(turns)
    assert suspicion is not None and suspicion.asked == "首をぎゅってされたの？"


def test_the_threshold_is_on_the_probability_of_anything_severe(reader: Backstop) -> None:
    turns = [(_C, "おとうさんに首をぎゅってされた")]
    p = reader.probabilities(turns)
    assert p.shape == (len(CLASSES),) and abs(float(p.sum()) - 1.0) < 1e-9
    strict = Backstop(reader.weights, reader.bias, threshold=float(1 - p[0]) + 1e-6)
    assert strict.suspect(turns) is None


def test_training_is_deterministic() -> None:
    a = train(_records(), iterations=20)
    b = train(_records(), iterations=20)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)


def test_a_saved_reader_loads_back_and_reads_the_same(reader: Backstop, tmp_path: Path) -> None:
    path = tmp_path / "risk_backstop.npz"
    Backstop(reader.weights, reader.bias, 0.4, ("a", "b")).save(path)
    again = load(path)
    assert again.threshold == 0.4 and again.trained_on == ("a", "b")
    turns = [(_C, "首をぎゅってされた")]
    assert np.allclose(again.probabilities(turns), reader.probabilities(turns), atol=2e-3)


def test_a_file_that_is_no_reader_says_so(tmp_path: Path) -> None:
    path = tmp_path / "risk_backstop.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(ManualError, match="not a backstop model"):
        load(path)


def test_a_reader_of_another_shape_asks_to_be_trained_again(tmp_path: Path) -> None:
    path = tmp_path / "risk_backstop.npz"
    np.savez(
        path,
        weights=np.zeros((8, 2), dtype=np.float16),
        bias=np.zeros(2, dtype=np.float32),
        meta=np.array('{"classes": ["", "x"], "dims": 8, "sizes": [1]}'),
    )
    with pytest.raises(ManualError, match="train it again"):
        load(path)


def test_labelled_lines_give_severe_sub_items_only_when_the_record_is_severe() -> None:
    lines = [
        {"id": "a", "turns": [{"speaker": "caller", "text": "首を"}], "subitems": ["strangling"],
         "severe": True},
        {"id": "b", "turns": [{"speaker": "caller", "text": "殴られた"}],
         "subitems": ["head_face_blow", "strangling"], "severe": False},
        {"id": "c", "turns": [{"speaker": "caller", "text": "しにたい"}],
         "subitems": ["child_suicidal", "habitual_abuse"], "severe": True},
    ]  # fmt: skip
    got = records_from(lines)
    assert [r.severe for r in got] == [("strangling",), (), ("child_suicidal",)]
    assert got[0].turns == (("caller", "首を"),)


def test_nothing_to_train_on_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to train on"):
        train([])


def test_a_short_turn_that_answers_no_question_is_not_read(reader: Backstop) -> None:
    # The recognizer's short garbles on the telephone read as anything; a word or two alone
    # says too little.
    assert len("首ぎゅって") < MIN_CHARS
    assert reader.suspect([(_C, "首ぎゅって")]) is None
    suspicion = reader.suspect([(_H, "首をぎゅってされたの？"), (_C, "首ぎゅって")])
    assert suspicion is not None and suspicion.subitem == "strangling"


def test_evidence_words_are_whole_words_not_stretches_of_characters(reader: Backstop) -> None:
    suspicion = reader.suspect([(_C, "あのね、ぼく、しにたいっておもうの")])
    assert suspicion is not None and suspicion.words
    # The strongest stretch is inside しにたい; it is shown as the word, not as 「にたいっ」.
    assert "しにたい" in suspicion.words
    for word in suspicion.words:
        assert word[0] not in "、。にをがはっ" and word[-1] not in "、。にをがはっ"


def test_a_stretch_of_only_particles_and_punctuation_is_no_evidence() -> None:
    from consult_assist.risk.backstop import _whole_words

    text = "首を、両手で。"
    assert _whole_words(text, 1, 3) is None  # 「を、」
    assert _whole_words(text, 0, 2) == (0, 1)  # 「首を」→「首」
    assert _whole_words(text, 4, 5) == (3, 5)  # 「手」→「両手」


def test_a_suspicion_pulled_only_by_particles_still_shows_its_words() -> None:
    # Trained on particles alone, the pull sits on particles only: whole, they are shown.
    only_particles = train(
        [
            TrainingRecord(((_C, "よねよねよね"),), ("child_suicidal",)),
            TrainingRecord(((_C, "きょうは学校でサッカーをした"),)),
        ],
        iterations=150,
    )
    suspicion = only_particles.suspect([(_C, "あのね、よね、よね、よね")])
    assert suspicion is not None and suspicion.words == ("よね",)
