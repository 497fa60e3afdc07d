"""Attention words (注意ワード): find every occurrence in an utterance, raise each once.

Words are found by :mod:`.phrase` (surface, lemmas, readings and near readings), so
recognition errors like 逆体 for 虐待 or ころす for 殺す still fire.

Negation and quotation never silence a word: "死にたいとは言ってない" still raises 死にたい.
A missed critical word costs far more than a false alarm, so nothing here suppresses one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from consult_assist.events import Alert, AlertLevel, TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.manual import AttentionWord
from consult_assist.knowledge.phrase import PhraseOptions, PhraseSet, Span, Target
from consult_assist.knowledge.text import Analysis

__all__ = ["AlertMatcher", "AlertTracker", "Occurrence"]

_RANK: dict[AlertLevel, int] = {"critical": 3, "high": 2, "notice": 1}


@dataclass(frozen=True, kw_only=True)
class Occurrence:
    """One occurrence of an attention word in a text; ``start:end`` index ``Analysis.text``."""

    word: AttentionWord
    start: int
    end: int
    matched: str
    how: str


class AlertMatcher:
    """Finds attention words in text; immutable and shared by every call."""

    def __init__(
        self, words: Sequence[AttentionWord], options: PhraseOptions | None = None
    ) -> None:
        self.words = tuple(words)
        forms = [(number, form) for number, w in enumerate(self.words) for form in w.forms]
        self._word_of = [number for number, _ in forms]
        self._phrases = PhraseSet([form for _, form in forms], options)

    def find(self, text: str) -> list[Occurrence]:
        """Every occurrence of every word in ``text``, in order of position."""
        target = Target.of(text)
        spans: dict[int, list[Span]] = {}
        for phrase, span in self._phrases.find(target):
            spans.setdefault(self._word_of[phrase], []).append(span)
        found: list[Occurrence] = []
        for number, word_spans in spans.items():
            found.extend(_merge(self.words[number], word_spans, target.analysis))
        return _drop_subsumed(sorted(found, key=lambda o: (o.start, -o.end)))


def _merge(word: AttentionWord, spans: list[Span], text: Analysis) -> list[Occurrence]:
    merged: list[Occurrence] = []
    for start, end, how in sorted(spans):
        if merged and start < merged[-1].end:
            last = merged[-1]
            if end > last.end:
                merged[-1] = dataclasses.replace(last, end=end, matched=text.text[last.start : end])
            continue
        merged.append(
            Occurrence(word=word, start=start, end=end, matched=text.text[start:end], how=how)
        )
    return merged


def _drop_subsumed(found: list[Occurrence]) -> list[Occurrence]:
    # 殺される also contains the lemma 殺す: report the more specific word only, unless the
    # shorter one is the more urgent.
    kept: list[Occurrence] = []
    for occurrence in found:
        covered = any(
            other is not occurrence
            and other.start <= occurrence.start
            and occurrence.end <= other.end
            and (other.end - other.start) > (occurrence.end - occurrence.start)
            and _RANK[other.word.level] >= _RANK[occurrence.word.level]
            for other in found
        )
        if not covered:
            kept.append(occurrence)
    return kept


class AlertTracker:
    """Per call: turns occurrences into :class:`Alert` events, each occurrence once.

    An occurrence is keyed by (utterance, word, ordinal): the n-th time a word appears in an
    utterance. A partial that grows, and then the final, find the same first occurrence again
    and raise nothing new; a second occurrence raises a second alert.
    """

    def __init__(self) -> None:
        self._raised: dict[tuple[int, str], int] = {}

    def feed(
        self, event: TranscriptPartial | TranscriptFinal, occurrences: Sequence[Occurrence]
    ) -> list[Alert]:
        """Alerts for the ``occurrences`` found in ``event`` that were not raised before."""
        alerts: list[Alert] = []
        counts: dict[str, int] = {}
        for occurrence in occurrences:
            word = occurrence.word
            ordinal = counts.get(word.word, 0)
            counts[word.word] = ordinal + 1
            key = (event.utterance, word.word)
            if ordinal < self._raised.get(key, 0):
                continue
            self._raised[key] = ordinal + 1
            alerts.append(
                Alert(
                    session=event.session,
                    at=event.at,
                    level=word.level,
                    word=word.word,
                    segment=event.text,
                    matched=occurrence.matched,
                    utterance=event.utterance,
                    start=event.start,
                    end=event.end,
                    speaker=event.speaker,
                    section=word.section,
                )
            )
        # Critical first: when one utterance raises several, the worst is shown on top.
        return sorted(alerts, key=lambda a: -_RANK[a.level])
