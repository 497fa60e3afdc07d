"""The knowledge engine: transcript events in, suggestion, alert and checklist events out.

Sans-I/O: :meth:`KnowledgeEngine.feed` takes one :class:`TranscriptPartial` or
:class:`TranscriptFinal` and returns the events it causes, stamped with the input's session
and ``at`` (``seq`` is left 0 for the pipeline's :class:`~consult_assist.events.Sequencer`).
Everything derived from the manual lives in one immutable :class:`KnowledgeBase`, shared by
every call and swapped whole when the manual is reloaded; per-call state (alerts raised,
checklist coverage, suggestion context) survives the swap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from consult_assist.events import (
    Checklist,
    Event,
    SessionEnded,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.knowledge.alerts import AlertMatcher, AlertTracker, Occurrence
from consult_assist.knowledge.checklist import ChecklistMatcher, ChecklistTracker
from consult_assist.knowledge.index import Boost, Hit, IndexOptions, ManualIndex, Ranked
from consult_assist.knowledge.manual import Manual, Section
from consult_assist.knowledge.phrase import PhraseOptions
from consult_assist.knowledge.suggest import Suggester, SuggestOptions

__all__ = ["EngineOptions", "KnowledgeBase", "KnowledgeEngine"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class EngineOptions:
    """Options of every part of the engine."""

    index: IndexOptions = field(default_factory=IndexOptions)
    phrases: PhraseOptions = field(default_factory=PhraseOptions)
    suggest: SuggestOptions = field(default_factory=SuggestOptions)
    attention_boosts: tuple[tuple[str, float], ...] = (
        ("critical", 0.2),
        ("high", 0.1),
        ("notice", 0.05),
    )
    """Score added, per level, to the section named by an attention word heard in the
    utterance: a critical word brings its section up at once."""
    depth: int = 8
    """Sections ranked per utterance for the suggestion context."""


class KnowledgeBase:
    """Everything derived from one manual: the index and the word and checklist matchers."""

    def __init__(self, manual: Manual, options: EngineOptions | None = None) -> None:
        self.manual = manual
        self.options = options or EngineOptions()
        self.index = ManualIndex(manual, self.options.index)
        self.alerts = AlertMatcher(manual.attention_words, self.options.phrases)
        self.checklist = ChecklistMatcher(manual.checklist, self.options.phrases)

    def rank(
        self, text: str, top_k: int, occurrences: list[Occurrence] | None = None
    ) -> list[Ranked]:
        """The ``top_k`` sections for ``text``; attention words heard in it boost theirs."""
        found = self.alerts.find(text) if occurrences is None else occurrences
        levels = dict(self.options.attention_boosts)
        boosts = [
            Boost(
                section=o.word.section,
                score=levels.get(o.word.level, 0.0),
                hit=Hit(term=o.word.word, kind="attention", coverage=1.0, start=o.start, end=o.end),
            )
            for o in {o.word.word: o for o in found if o.word.section}.values()
        ]
        return self.index.search(text, top_k=top_k, boosts=boosts)


@dataclass
class _Call:
    alerts: AlertTracker
    checklist: ChecklistTracker
    suggester: Suggester


class KnowledgeEngine:
    """Turns transcript events into suggestion, alert and checklist events, for many calls."""

    def __init__(
        self, manual: Manual | KnowledgeBase, options: EngineOptions | None = None
    ) -> None:
        self._base = manual if isinstance(manual, KnowledgeBase) else KnowledgeBase(manual, options)
        self._calls: dict[str, _Call] = {}

    @property
    def base(self) -> KnowledgeBase:
        """The knowledge base in use."""
        return self._base

    def replace(self, manual: Manual | KnowledgeBase) -> None:
        """Use a new manual from the next event on (calls keep their state)."""
        base = (
            manual
            if isinstance(manual, KnowledgeBase)
            else KnowledgeBase(manual, self._base.options)
        )
        gone = set(self._base.manual.by_id) - set(base.manual.by_id)
        self._base = base
        for call in self._calls.values():
            call.suggester.forget(gone)

    def feed(self, event: Event) -> list[Event]:
        """The events caused by ``event``: alerts first, then suggestion, then checklist."""
        if isinstance(event, SessionEnded):
            self._calls.pop(event.session, None)
            return []
        if not isinstance(event, TranscriptPartial | TranscriptFinal):
            return []
        base = self._base
        call = self._call(event.session)
        occurrences = base.alerts.find(event.text)
        out: list[Event] = list(call.alerts.feed(event, occurrences))
        final = isinstance(event, TranscriptFinal)
        ranked = base.rank(event.text, base.options.depth, occurrences)
        suggestion = call.suggester.update(
            ranked,
            session=event.session,
            utterance=event.utterance,
            final=final,
            at=event.at,
            speaker=event.speaker,
        )
        if suggestion is not None:
            out.append(suggestion)
        if isinstance(event, TranscriptFinal):
            checklist = call.checklist.feed(event, base.checklist)
            if checklist is not None:
                out.append(checklist)
        return out

    def lookup(self, text: str, top_k: int = 5) -> list[SuggestionItem]:
        """The ``top_k`` sections for a free text, best first (``consult-assist lookup``)."""
        return [r.item() for r in self._base.rank(text, top_k)]

    def section(self, section_id: str) -> Section:
        """The whole section, for "open the section" (ManualError if unknown)."""
        return self._base.manual.section(section_id)

    def checklist(self, session: str, at: float = 0.0) -> Checklist:
        """The checklist of a call now (all missing for a call not seen yet)."""
        return self._call(session).checklist.snapshot(
            base=self._base.checklist, session=session, at=at
        )

    def _call(self, session: str) -> _Call:
        call = self._calls.get(session)
        if call is None:
            call = _Call(AlertTracker(), ChecklistTracker(), Suggester(self._base.options.suggest))
            self._calls[session] = call
            logger.debug("knowledge state opened for session %s", session)
        return call
