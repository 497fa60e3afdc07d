"""Attention words (注意ワード): found in every partial and final, raised once per utterance.

Words are found by :mod:`.phrase` (surface, lemmas, readings and near readings), so
recognition errors like 逆体 for 虐待 or ころす for 殺す still fire.

An alert raised from a partial is *tentative*: the partial may still change. The final of the
utterance confirms it (an alert for the same utterance and word, no longer tentative, with the
final's text and act) or withdraws it (``withdrawn``); a partial retracted by the recognizer
withdraws its tentative alerts too. A word at the very end of a partial is not raised until
more speech follows or the recognizer agrees on it (``stable``): 「…なんですける」 is a
fragment on its way to something else, and 「意識がない」 may go on as 「…わけじゃない」.

Nothing is dropped for being asked, denied, imagined or quoted: each alert carries the ``act``
of the words (:mod:`.acts`) and whether they are ``negated``, and the apps decide per level
how to show it (docs/knowledge.md). A missed critical word costs far more than a false alarm.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from consult_assist.events import Alert, AlertLevel, TranscriptFinal, TranscriptPartial
from consult_assist.knowledge.acts import SpanAct, acts_of
from consult_assist.knowledge.manual import AttentionWord
from consult_assist.knowledge.phrase import PhraseOptions, PhraseSet, Span, Target
from consult_assist.knowledge.text import Analysis, analyse

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
        excepted = [(n, e) for n, w in enumerate(self.words) for e in w.exceptions]
        self._exception_of = [number for number, _ in excepted]
        self._exceptions = PhraseSet([e for _, e in excepted], options)

    def find(self, text: str) -> list[Occurrence]:
        """Every occurrence of every word in ``text``, in order of position."""
        target = Target.of(text)
        spans: dict[int, list[Span]] = {}
        for phrase, span in self._phrases.find(target):
            spans.setdefault(self._word_of[phrase], []).append(span)
        excepted = self._exceptions.find_literal(target) if self._exceptions.phrases else ()
        for phrase, inside in excepted:
            number = self._exception_of[phrase]
            spans[number] = [
                s for s in spans.get(number, []) if not inside.start <= s.start < inside.end
            ]
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


@dataclass
class _Raised:
    alert: Alert
    tentative: bool


class AlertTracker:
    """Per call: turns occurrences into :class:`Alert` events, one per (utterance, word).

    Partials raise tentative alerts; the final confirms or withdraws each of them and raises
    (confirmed) the words only it has. Later partials of a finished utterance are ignored.
    """

    def __init__(self) -> None:
        self._raised: dict[int, dict[str, _Raised]] = {}
        self._finished: set[int] = set()
        # Alerts of the last final whose words were in a sentence it left unfinished.
        self._open: tuple[int, list[Alert]] | None = None

    def feed(
        self, event: TranscriptPartial | TranscriptFinal, occurrences: Sequence[Occurrence]
    ) -> list[Alert]:
        """The alert events ``event`` causes (new, confirmed or withdrawn)."""
        raised = self._raised.setdefault(event.utterance, {})
        if event.utterance in self._finished:
            if isinstance(event, TranscriptFinal):
                # A later final of the same utterance (it went on after all): its new words.
                return self._final(event, occurrences, raised)
            return []
        if isinstance(event, TranscriptFinal):
            return self._final(event, occurrences, raised)
        if not event.text.strip():
            # The recognizer took the partials back (its final was rejected).
            self._finished.add(event.utterance)
            return [self._withdraw(r.alert, event) for r in raised.values() if r.tentative]
        settled = _settled_end(event)
        alerts: list[Alert] = []
        for word, (occurrence, act) in _best(event.text, occurrences).items():
            if word in raised or occurrence.end > settled:
                continue
            alert = _alert(event, occurrence, act, tentative=True)
            raised[word] = _Raised(alert, tentative=True)
            alerts.append(alert)
        return _worst_first(alerts)

    def _final(
        self, event: TranscriptFinal, occurrences: Sequence[Occurrence], raised: dict[str, _Raised]
    ) -> list[Alert]:
        alerts = self._reread(event)
        self._finished.add(event.utterance)
        best = _best(event.text, occurrences, answer=event.act == "answer")
        acts = acts_of(event.text)
        tail = acts.sentences[-1].first if acts.open_ended and acts.sentences else None
        left_open: list[Alert] = []
        for word, (occurrence, act) in best.items():
            before = raised.get(word)
            if before is not None and not before.tentative:
                continue
            # A confirmation carries the final's text and act (the partial's may differ).
            alert = _alert(event, occurrence, act, tentative=False)
            raised[word] = _Raised(alert, tentative=False)
            alerts.append(alert)
            if tail is not None and occurrence.start >= acts.analysis.tokens[tail].begin:
                left_open.append(alert)
        for word, entry in list(raised.items()):
            if entry.tentative and word not in best:
                alerts.append(self._withdraw(entry.alert, event))
                del raised[word]
        self._open = (event.utterance, left_open) if left_open else None
        return _worst_first(alerts)

    def _reread(self, event: TranscriptFinal) -> list[Alert]:
        """The previous final stopped mid-sentence (「…今夜、飛び降りたり」) and this one
        carries on as a question (「薬を飲んだりしようと考えているかな」): its alerts were
        asked, not said. They are sent again with the act of the whole question."""
        left, self._open = self._open, None
        if left is None or left[0] == event.utterance:
            return []
        acts = acts_of(event.text)
        if not acts.sentences or acts.sentences[0].kind != "question":
            return []
        return [dataclasses.replace(alert, at=event.at, act="question") for alert in left[1]]

    @staticmethod
    def _withdraw(alert: Alert, event: TranscriptPartial | TranscriptFinal) -> Alert:
        return dataclasses.replace(
            alert, at=event.at, tentative=False, withdrawn=True, segment=event.text or alert.segment
        )


def _settled_end(event: TranscriptPartial) -> int:
    """Where, in the partial's normalised text, a word may end and still be raised.

    Not in its last token (a fragment on its way to another word) unless the recognizer has
    already agreed on that text (``stable``).
    """
    analysis = analyse(event.text)
    if not analysis.tokens:
        return 0
    stable = len(analyse(event.text[: event.stable]).text) if event.stable else 0
    return max(analysis.tokens[-1].begin, stable)


def _best(
    text: str, occurrences: Sequence[Occurrence], *, answer: bool = False
) -> dict[str, tuple[Occurrence, SpanAct]]:
    """Per word, the occurrence to report: said as a fact if any is, else the first."""
    acts = acts_of(text)
    best: dict[str, tuple[Occurrence, SpanAct]] = {}
    for occurrence in occurrences:
        act = acts.at(occurrence.start, occurrence.end)
        if answer and act.act == "statement":
            act = dataclasses.replace(act, act="answer")
        before = best.get(occurrence.word.word)
        if before is None or (act.asserted and not before[1].asserted):
            best[occurrence.word.word] = (occurrence, act)
    return best


def _alert(
    event: TranscriptPartial | TranscriptFinal,
    occurrence: Occurrence,
    act: SpanAct,
    *,
    tentative: bool,
) -> Alert:
    word = occurrence.word
    return Alert(
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
        tentative=tentative,
        act=act.act,
        negated=act.negated,
    )


def _worst_first(alerts: list[Alert]) -> list[Alert]:
    # Critical first: when one utterance raises several, the worst is shown on top.
    return sorted(alerts, key=lambda a: -_RANK[a.level])
