"""Character error rate for Japanese: NFKC, punctuation and spaces removed (pure)."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

__all__ = ["cer", "normalise_for_cer"]

_DROP = re.compile(
    r"[\s\u3000、。，．,.!?！？…‥・「」『』（）()\[\]【】〈〉《》〜~\-―—:：;；\"'“”‘’]+"
)


def normalise_for_cer(text: str) -> str:
    """NFKC, lower case, then drop punctuation, brackets and spaces (ー stays: it is a letter)."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


def cer(reference: str, hypothesis: str) -> tuple[float, int, int]:
    """(CER, edit distance, reference length) after :func:`normalise_for_cer`."""
    ref = normalise_for_cer(reference)
    hyp = normalise_for_cer(hypothesis)
    edits = Levenshtein.distance(ref, hyp)
    return (edits / len(ref) if ref else float(bool(hyp))), edits, len(ref)
