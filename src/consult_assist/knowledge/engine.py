"""The knowledge engine: transcript events in, suggestion, alert and checklist events out.

Sans-I/O: :meth:`KnowledgeEngine.feed` takes one :class:`TranscriptPartial` or
:class:`TranscriptFinal` and returns the events it causes, stamped with the input's session
and ``at`` (``seq`` is left 0 for the pipeline's :class:`~consult_assist.events.Sequencer`).
Everything derived from the manual lives in one immutable :class:`KnowledgeBase`, shared by
every call and swapped whole when the manual is reloaded; per-call state (alerts raised,
checklist coverage, suggestion context, the question awaiting an answer) survives the swap
and starts afresh at each ``session.started`` and is dropped at ``session.ended``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from consult_assist.events import (
    Checklist,
    Event,
    SessionEnded,
    SessionStarted,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)
from consult_assist.knowledge.acts import ActTracker
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
        ("critical", 0.3),
        ("high", 0.2),
        ("notice", 0.1),
    )
    """Score added, per level, to the section named by an attention word heard in the
    utterance: a critical word brings its section up at once."""
    depth: int = 8
    """Sections ranked per utterance for the suggestion context."""
    lookup_floor: float = 0.05
    """Score below which ``lookup`` shows no section: text that matches nothing (hello
    world, はい) scores ~0.01, a clear match 0.2-0.5."""
    lookup_unexplained: float = 0.12
    """Score a section needs in ``lookup`` when no keyword, title or paraphrase of it
    matched (nothing to show the user why)."""


class KnowledgeBase:
    """Everything derived from one manual: the index and the word and checklist matchers."""

    def __init__(self, manual: Manual, options: EngineOptions | None = None) -> None:
        self.manual = manual
        self.options = options or EngineOptions()
        self.index = ManualIndex(manual, self.options.index)
        self.alerts = AlertMatcher(manual.attention_words, self.options.phrases)
        self.checklist = ChecklistMatcher(manual.checklist, self.options.phrases)

    def rank(
        self,
        text: str,
        top_k: int,
        occurrences: list[Occurrence] | None = None,
        *,
        context: Sequence[str] = (),
        explain: int | None = None,
    ) -> list[Ranked]:
        """The ``top_k`` sections for ``text`` read after ``context`` (earlier utterances,
        oldest first, weighing less the older they are); attention words heard in ``text``
        boost their sections."""
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
        decay = self.options.suggest.context_decay
        texts = [*context, text]
        weights = [decay ** (len(texts) - 1 - n) for n in range(len(texts))]
        return self.index.search_context(
            texts, weights, top_k=top_k, boosts=boosts, explain=explain
        )


@dataclass
class _Call:
    alerts: AlertTracker
    checklist: ChecklistTracker
    suggester: Suggester
    acts: ActTracker
    context: deque[str]
    """The last few finals' texts, ranked with each new utterance."""


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
        if isinstance(event, SessionStarted | SessionEnded):
            # A new call starts from nothing, even if its id was seen before.
            if self._calls.pop(event.session, None) is not None:
                logger.debug("knowledge state of session %s dropped", event.session)
            return []
        if not isinstance(event, TranscriptPartial | TranscriptFinal):
            return []
        base = self._base
        call = self._call(event.session)
        occurrences = base.alerts.find(event.text)
        turn = None
        if isinstance(event, TranscriptFinal):
            turn = call.acts.observe(event)
            if not event.act:
                event = dataclasses.replace(event, act=turn.act, negated=turn.negated)
        alerts = call.alerts.feed(event, occurrences)
        out: list[Event] = list(alerts)
        final = isinstance(event, TranscriptFinal)
        # Only the sections that may be shown need their matched terms worked out.
        ranked = base.rank(
            event.text,
            base.options.depth,
            occurrences,
            context=tuple(call.context),
            explain=base.options.suggest.shown + 1,
        )
        if final and event.text.strip():
            call.context.append(event.text)
        suggestion = call.suggester.update(
            ranked,
            session=event.session,
            utterance=event.utterance,
            final=final,
            at=event.at,
            speaker=event.speaker,
            catalog=base.manual.by_id,
            urgent=[
                a.section
                for a in alerts
                if a.section
                and a.level in ("critical", "high")
                and not a.withdrawn
                and not a.negated
                and a.act in ("statement", "answer", "reported")
            ],
        )
        if suggestion is not None:
            out.append(suggestion)
        if isinstance(event, TranscriptFinal) and turn is not None:
            checklist = call.checklist.feed(event, base.checklist, turn, occurrences)
            if checklist is not None:
                out.append(checklist)
        return out

    def lookup(self, text: str, top_k: int = 5) -> list[SuggestionItem]:
        """The ``top_k`` sections for a free text, best first (``consult-assist lookup``).

        Sections under the score floor are left out, so text that matches nothing gets an
        empty list rather than five arbitrary sections.
        """
        opts = self._base.options
        return [
            r.item()
            for r in self._base.rank(text, top_k)
            if r.score >= opts.lookup_floor and (r.hits or r.score >= opts.lookup_unexplained)
        ]

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
            call = _Call(
                AlertTracker(),
                ChecklistTracker(),
                Suggester(self._base.options.suggest),
                ActTracker(),
                deque(maxlen=self._base.options.suggest.context),
            )
            self._calls[session] = call
            logger.debug("knowledge state opened for session %s", session)
        return call
