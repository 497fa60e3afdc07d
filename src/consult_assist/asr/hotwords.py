"""Domain vocabulary for the decoder, chosen from the manuals' keywords (pure).

Whisper's ``hotwords`` go into the decoder context of every window. Terms written in kanji or
katakana are the ones base misspells (児童相談所 -> 自動相談書); kana-only words gain nothing.
The list is kept short: a long context slows every decode and, with base, invites loops.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["select_hotwords"]

_HARD = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]")


def select_hotwords(
    keyword_lists: Iterable[Sequence[str]], texts: Iterable[str], *, max_chars: int = 80
) -> str:
    """The keywords (kanji/katakana) used most often across ``texts``, up to ``max_chars``."""
    corpus = "\n".join(texts)
    counts: Counter[str] = Counter()
    for keywords in keyword_lists:
        for term in {k.strip() for k in keywords}:
            if 2 <= len(term) <= 12 and len(_HARD.findall(term)) >= 2:
                counts[term] = corpus.count(term)
    chosen: list[str] = []
    used = 0
    for term, _ in sorted(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0])):
        if any(term in other for other in chosen):
            continue
        if used + len(term) + 1 > max_chars:
            break
        chosen.append(term)
        used += len(term) + 1
    return "、".join(chosen)
