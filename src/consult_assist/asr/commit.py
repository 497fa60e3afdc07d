"""LocalAgreement commit policy: what two consecutive hypotheses agree on never changes again.

As in the whisper_streaming work (Macháček et al., 2023, LocalAgreement-2), the stable prefix
of an utterance grows to the longest common prefix of the last two hypotheses. Japanese has no
spaces, so agreement is measured in characters, backing off to a script or punctuation
boundary so a word is not cut in half on the screen.

Each hypothesis is a fresh decode of the utterance so far (forcing the stable text as a decoder
prefix makes Whisper restart the sentence after a forced "。" and duplicate it). A hypothesis
that spells the stable part differently (隣 / となり) is aligned to it: the screen shows the
stable text, then the hypothesis from where the stable text ends in it.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz

__all__ = ["Agreement", "common_prefix"]


def common_prefix(a: str, b: str) -> str:
    """The longest common prefix of two strings."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def _script(ch: str) -> str:
    if "\u3040" <= ch <= "\u309f":
        return "hiragana"
    if "\u30a0" <= ch <= "\u30ff":
        return "katakana"
    if "\u4e00" <= ch <= "\u9fff" or ch == "々":
        return "kanji"
    cat = unicodedata.category(ch)
    if cat.startswith("P") or cat.startswith("Z"):
        return "sep"
    return "other"


class Agreement:
    """The stable prefix of one utterance, updated by each new hypothesis."""

    def __init__(self, *, back_off: bool = True) -> None:
        self.back_off = back_off
        self.stable = ""
        self._previous: str | None = None

    def align(self, hypothesis: str) -> str:
        """The text to show for ``hypothesis``: the stable text, then the rest of it."""
        if not self.stable or hypothesis.startswith(self.stable):
            return hypothesis
        # Where does the stable text end in this hypothesis? The head of the hypothesis most
        # similar to it (ties: the shorter head).
        best_k, best = 0, -1.0
        for k in range(len(hypothesis) + 1):
            score = fuzz.ratio(self.stable, hypothesis[:k])
            if score > best:
                best_k, best = k, score
        if best < 50:
            # Nothing recognisable: keep the stable text and show the hypothesis tail that is
            # longer than it, so the line does not jump back.
            return self.stable + hypothesis[len(self.stable) :]
        return self.stable + hypothesis[best_k:]

    def update(self, hypothesis: str) -> str:
        """Take a hypothesis; return the text to show (it starts with the new :attr:`stable`)."""
        shown = self.align(hypothesis)
        if self._previous is not None:
            agreed = common_prefix(self._previous, shown)
            if len(agreed) > len(self.stable):
                if self.back_off and len(agreed) < len(shown):
                    agreed = self._to_boundary(agreed, shown)
                if len(agreed) > len(self.stable):
                    self.stable = agreed
        self._previous = shown
        return shown

    def _to_boundary(self, agreed: str, shown: str) -> str:
        """Shorten ``agreed`` so it does not end in the middle of a kana or kanji run."""
        nxt = shown[len(agreed)]
        if _script(agreed[-1]) == "sep" or _script(nxt) == "sep":
            return agreed
        if _script(agreed[-1]) != _script(nxt):
            return agreed
        end = len(agreed)
        while end > len(self.stable) and _script(agreed[end - 1]) == _script(nxt):
            end -= 1
        return agreed[:end]
