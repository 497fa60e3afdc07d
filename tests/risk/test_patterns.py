"""Many patterns over one text: the key each pattern needs, and the same matches as running
every pattern."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from consult_assist.risk.model import RiskModel
from consult_assist.risk.patterns import PatternSet, pattern_key

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("pattern", "key"),
    [
        ("(借金|失業|困窮)", {"借金", "失業", "困窮"}),
        ("首を?(絞|しめ)", {"首"}),  # a lone kanji beats a lone kana
        ("(殴|なぐ)(ら|る)れた", {"れた"}),
        ("(叩|たた)かれ[^。]{0,4}毎日", {"かれ"}),  # the first of the equal keys
        ("[青紫]あざ", {"あざ"}),
        ("(?:脱|ぬ)が", {"が"}),  # a lone kana beats a kanji or a lone kana
        ("x{2,}", {"x"}),
    ],
)
def test_a_key_is_what_every_match_must_hold(pattern: str, key: set[str]) -> None:
    assert pattern_key(pattern) == frozenset(key)


@pytest.mark.parametrize(
    "pattern",
    [
        ".+",
        "(首)?",  # can match without 首
        "(首|)",  # one branch is empty
        "[^。]{1,3}",
        "(?=首)",
        "(?i)dv",  # D, d, and more under IGNORECASE
    ],
)
def test_a_pattern_with_no_necessary_characters_has_no_key(pattern: str) -> None:
    assert pattern_key(pattern) is None


def test_cased_letters_give_no_key_under_ignore_case_but_kana_do() -> None:
    assert pattern_key("ADHD", re.IGNORECASE) is None
    assert pattern_key("ADHD") == frozenset({"AD"})
    assert pattern_key("ADHDの(疑い|うたがい)", re.IGNORECASE) == frozenset({"疑い", "うた"})


def test_a_set_finds_what_each_pattern_finds_in_order() -> None:
    tagged = [("a", "(首|くび)を?(絞|しめ)"), ("b", "(?i)x+死?に?"), ("c", "毎日"), ("a", "首")]
    patterns = PatternSet(tagged)
    assert patterns.unkeyed == 1
    text = "首をしめられて、毎日XX死にたい。首"
    found = [(tag, m.span()) for tag, m in patterns.finditer(text)]
    brute = [(tag, m.span()) for tag, p in tagged for m in re.finditer(p, text)]
    assert found == brute
    assert [tag for tag, _ in patterns.finditer("今日は晴れ")] == []


def _texts() -> list[str]:
    texts: list[str] = []
    for line in (DATA / "risk_turns.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            texts += [t["text"] for t in record.get("turns", [])] or [record.get("text", "")]
    return [t for t in texts if t]


def test_the_sheets_patterns_find_on_the_labelled_turns_what_running_them_all_finds(
    model: RiskModel,
) -> None:
    patterns = model.matcher.patterns
    brute = [(tag, re.compile(p.pattern, re.IGNORECASE)) for tag, p in patterns.compiled]
    texts = _texts()
    assert len(texts) > 150
    for text in texts:
        found = [(tag, m.span()) for tag, m in patterns.finditer(text)]
        assert found == [(tag, m.span()) for tag, p in brute for m in p.finditer(text)], text
    assert patterns.unkeyed < len(patterns) // 20  # nearly every pattern is skipped on most
