"""Risk sheets per call from the event stream: finals in, ``risk`` events out (pure).

:class:`RiskFeed` has the pipeline's ``feed(event) -> events`` shape, so the offline
pipeline and the hub can run it next to the knowledge engine (:class:`Chained`). A ``risk``
event is sent only when the sheet changed (new evidence), never for partials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from consult_assist.events import (
    Event,
    Risk,
    RiskEvidence,
    RiskItemState,
    RiskQuestion,
    RiskSuspicion,
    SessionEnded,
    SessionStarted,
    SimilarCall,
    TranscriptFinal,
)
from consult_assist.knowledge.manual import Manual
from consult_assist.risk.assess import RiskAssessor
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment

__all__ = ["Chained", "Feeder", "RiskFeed", "Similar", "WithRisk", "to_event", "with_risk"]


Similar = Callable[[Mapping[str, Any], str, Assessment, str], Sequence[SimilarCall]]
"""Similar past calls for (the call's ``session.started`` meta, its id, its sheet, its words)."""


class Feeder(Protocol):
    """Anything with the pipeline's knowledge shape."""

    def feed(self, event: Event) -> list[Event]: ...


def to_event(
    assessment: Assessment,
    session: str,
    *,
    at: float,
    utterance: int | None = None,
    similar: Sequence[SimilarCall] = (),
    label: Callable[[str], str] = str,
) -> Risk:
    """The wire event of an assessment."""
    return Risk(
        session=session,
        at=at,
        tier=assessment.tier,
        tier_label=assessment.tier_label,
        rules=assessment.rules,
        severe=assessment.severe,
        utterance=utterance,
        items=tuple(
            RiskItemState(
                id=i.id,
                number=i.number,
                label=i.label,
                state=i.state,
                subitems=i.subitems,
                conflicting=i.conflicting,
                evidence=tuple(
                    RiskEvidence(
                        subitem=e.subitem,
                        text=e.text,
                        at=e.at,
                        speaker=e.speaker,
                        act=e.act,
                        denies=e.denies,
                        label=label(e.subitem),
                    )
                    for e in i.evidence
                ),
            )
            for i in assessment.items
        ),
        next=tuple(
            RiskQuestion(
                item=q.item, ask=q.ask, raises_to=q.raises_to, reason=q.reason, manual=q.manual
            )
            for q in assessment.next
        ),
        similar=tuple(similar),
        suspected=tuple(
            RiskSuspicion(
                subitem=s.subitem,
                text=s.text,
                words=s.words,
                at=s.at,
                speaker=s.speaker,
                asked=s.asked,
                label=label(s.subitem),
            )
            for s in assessment.suspected
        ),
    )


class RiskFeed:
    """One assessor per session; ``similar``, when given, finds earlier calls for a sheet."""

    def __init__(
        self,
        model: RiskModel,
        similar: Similar | None = None,
        on_end: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.similar = similar
        self.on_end = on_end
        """Told the id of each call that ends (the similar-calls index takes it in)."""
        self._calls: dict[str, tuple[RiskAssessor, list[str]]] = {}
        self._meta: dict[str, Mapping[str, Any]] = {}

    def use(self, model: RiskModel) -> None:
        """Assess calls that start from now on with ``model`` (a reloaded risk.toml); calls
        already running keep the sheet they started with, so no mark changes meaning mid-call."""
        self.model = model

    def feed(self, event: Event) -> list[Event]:
        """The ``risk`` event ``event`` causes, if any."""
        if isinstance(event, SessionStarted):
            self._calls[event.session] = (self.model.assessor(), [])
            self._meta[event.session] = event.meta
            return []
        if isinstance(event, SessionEnded):
            self._calls.pop(event.session, None)
            self._meta.pop(event.session, None)
            if self.on_end is not None:
                self.on_end(event.session)
            return []
        if not isinstance(event, TranscriptFinal):
            return []
        call = self._calls.get(event.session)
        if call is None:
            call = self._calls[event.session] = (self.model.assessor(), [])
        assessor, words = call
        words.append(event.text)
        assessment = assessor.observe(event)
        if assessment is None and len(words) > 1:
            return []
        if assessment is None:
            # The first final shows the empty sheet: every call with speech has one.
            assessment = assessor.assessment()
        found: Sequence[SimilarCall] = ()
        if self.similar is not None:
            meta = self._meta.get(event.session, {})
            found = self.similar(meta, event.session, assessment, " ".join(words))
        return [
            to_event(
                assessment,
                event.session,
                at=event.at,
                utterance=event.utterance,
                similar=found,
                label=self.model.label,
            )
        ]


class Chained:
    """Several feeders as one: each event goes to all, their events come out in order."""

    def __init__(self, *feeders: Feeder) -> None:
        self.feeders = feeders

    def feed(self, event: Event) -> list[Event]:
        """Every feeder's events for ``event``."""
        return [out for feeder in self.feeders for out in feeder.feed(event)]


class WithRisk:
    """A knowledge engine with the risk sheet beside it: ``feed`` gives both kinds of events,
    every other attribute (``section``, ``base``, ``lookup``…) is the engine's own."""

    def __init__(self, knowledge: Feeder, risk: Feeder) -> None:
        self.knowledge = knowledge
        self.risk = risk

    def feed(self, event: Event) -> list[Event]:
        """The engine's events for ``event``, then the risk sheet's."""
        return [*self.knowledge.feed(event), *self.risk.feed(event)]

    def __getattr__(self, name: str) -> object:
        return getattr(self.knowledge, name)


def with_risk(
    knowledge: Feeder,
    manuals: Path,
    manual: Manual | None = None,
    similar: Similar | None = None,
) -> Feeder:
    """``knowledge`` with the risk sheet of ``manuals`` beside it, or unchanged when the
    folder has no risk sheet; ``similar`` finds earlier calls for each sheet."""
    if not RiskModel.available(manuals):
        return knowledge
    return WithRisk(knowledge, RiskFeed(RiskModel.load(manuals, manual), similar))
