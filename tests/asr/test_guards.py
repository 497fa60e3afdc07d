from __future__ import annotations

from consult_assist.asr.guards import check, compression_ratio, cut_repetitions, is_phantom


def test_loop_is_cut() -> None:
    looped = "ワイ、" * 80
    cut = cut_repetitions(looped)
    assert len(cut) < 10
    assert cut.startswith("ワイ、")


def test_single_kana_loop_needs_many_repeats() -> None:
    assert cut_repetitions("ここにいます") == "ここにいます"
    assert cut_repetitions("まあまあです") == "まあまあです"
    assert len(cut_repetitions("あ" * 40)) <= 4


def test_normal_sentence_untouched() -> None:
    text = "隣の部屋から毎晩すごい泣き声がして、大人の怒鳴る声も聞こえるんです。"
    assert cut_repetitions(text) == text
    assert compression_ratio(text) < 2.4


def test_phantoms() -> None:
    assert is_phantom("ご視聴ありがとうございました。")
    assert is_phantom("チャンネル登録よろしくお願いします") is False  # has other words
    assert is_phantom("チャンネル登録、高評価")
    assert not is_phantom("児童相談所です")


def test_signoff_dropped_even_with_speech() -> None:
    v = check(
        "ご視聴ありがとうございました", avg_logprob=-0.2, no_speech_prob=0.1, speech_ratio=0.9
    )
    assert v.text == "" and v.reason == "phantom"


def test_short_answer_kept_when_speech_is_clear() -> None:
    v = check("はい。", avg_logprob=-0.2, no_speech_prob=0.05, speech_ratio=0.9)
    assert v.text == "はい。"


def test_short_answer_dropped_when_speech_is_weak() -> None:
    v = check("はい。", avg_logprob=-0.2, no_speech_prob=0.05, speech_ratio=0.1)
    assert v.text == ""


def test_no_speech_rule() -> None:
    v = check("えっと", avg_logprob=-1.5, no_speech_prob=0.9, speech_ratio=0.9)
    assert v.reason == "no_speech"


def test_loop_reported() -> None:
    v = check("助けて" * 30, avg_logprob=-0.3, no_speech_prob=0.0, speech_ratio=1.0)
    assert v.reason == "loop"
    assert v.text.count("助けて") <= 2


def test_long_unit_said_twice_is_a_reread() -> None:
    assert cut_repetitions("小学1年生くらいの女の子が小学1年生くらいの女の子が") == (
        "小学1年生くらいの女の子が"
    )
    assert cut_repetitions("大丈夫、大丈夫") == "大丈夫、大丈夫"
