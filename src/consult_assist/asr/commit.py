"""LocalAgreement commit policy: what two consecutive hypotheses agree on never changes again.

As in the whisper_streaming work (Macháček et al., 2023, LocalAgreement-2), the stable prefix
of an utterance grows to the longest common prefix of the last two hypotheses. Japanese has no
spaces, so agreement is measured in characters; the policy backs off to the last punctuation
or script boundary when the disagreement falls inside a run of kana, so a word is not cut in
half on the screen. The stable text is then given to the decoder as a forced prefix, so later
hypotheses (and the final) continue it rather than rewrite it.
"""

from __future__ import annotations

import unicodedata

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

    def update(self, hypothesis: str) -> str:
        """Take a hypothesis (starting with :attr:`stable`); return the new stable text."""
        if not hypothesis.startswith(self.stable):
            # The decoder was forced with the stable prefix, so this only happens when a guard
            # cut the hypothesis back; keep what was agreed and compare the rest.
            hypothesis = self.stable + hypothesis[len(common_prefix(self.stable, hypothesis)) :]
        if self._previous is not None:
            agreed = common_prefix(self._previous, hypothesis)
            if len(agreed) > len(self.stable):
                if self.back_off and len(agreed) < len(hypothesis):
                    agreed = self._to_boundary(agreed, hypothesis)
                if len(agreed) > len(self.stable):
                    self.stable = agreed
        self._previous = hypothesis
        return self.stable

    def _to_boundary(self, agreed: str, hypothesis: str) -> str:
        """Shorten ``agreed`` so it does not end in the middle of a kana or kanji run."""
        nxt = hypothesis[len(agreed)]
        end = len(agreed)
        if _script(agreed[-1]) == "sep" or _script(nxt) == "sep":
            return agreed
        if _script(agreed[-1]) != _script(nxt):
            return agreed
        while end > len(self.stable) and _script(agreed[end - 1]) == _script(nxt):
            end -= 1
        return agreed[:end]
