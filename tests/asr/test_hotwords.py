from __future__ import annotations

from consult_assist.asr.hotwords import select_hotwords


def test_prefers_frequent_kanji_terms_and_skips_kana() -> None:
    keywords = [["児童相談所", "一時保護", "ないてる"], ["通告", "児童相談所"], ["あざ"]]
    texts = ["児童相談所に通告。児童相談所が一時保護。通告は義務。通告"]
    out = select_hotwords(keywords, texts).split("、")
    assert out[0] == "通告"
    assert "児童相談所" in out and "一時保護" in out
    assert "ないてる" not in out and "あざ" not in out


def test_length_is_capped() -> None:
    keywords = [[f"保護{i:02d}番" for i in range(50)]]
    texts = [" ".join(f"保護{i:02d}番" for i in range(50))]
    assert len(select_hotwords(keywords, texts, max_chars=30)) <= 30
