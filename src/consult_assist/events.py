"""Events shared by the pipeline, the store and the wire: a small vocabulary of frozen dataclasses.

Every event belongs to one session and carries ``seq`` (rises by one per session, stamped by
:class:`Sequencer`; 0 means "not stamped yet") and ``at``: the time, in seconds of call audio,
at which the event became available. ``at`` is what lets an offline run show each event at the
moment of the call it would have been shown live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

__all__ = [
    "EVENT_TYPES",
    "Ack",
    "Act",
    "Advice",
    "Alert",
    "AlertLevel",
    "CheckItem",
    "Checklist",
    "ErrorEvent",
    "Event",
    "HelpRequest",
    "Note",
    "RecordClosed",
    "Risk",
    "RiskEvidence",
    "RiskItemState",
    "RiskQuestion",
    "Sequencer",
    "SessionEnded",
    "SessionStarted",
    "SimilarCall",
    "Speaker",
    "Suggestion",
    "SuggestionItem",
    "TranscriptFinal",
    "TranscriptPartial",
]

Speaker = str
"""Who spoke: ``"caller"`` or ``"handler"`` where the source knows it (SIPREC, a stereo file or
stream, the handler's own microphone channel), ``"unknown"`` on a mixed mono source — never
guessed. Events written before speakers were always named carry ``""``: read it as unknown."""

Act = str
"""What an utterance (or the words an alert or checklist item rests on) does: ``question``,
``answer``, ``statement``, ``reported`` (quoted speech), ``hypothetical`` (もし〜たら) or
``request`` (〜てください); ``""`` where not analysed. See :mod:`consult_assist.knowledge.acts`."""

AlertLevel = Literal["critical", "high", "notice"]


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event; ``type`` is the wire name."""

    type: ClassVar[str] = ""
    session: str
    seq: int = 0
    at: float = 0.0


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    """A call (live, training replay or offline run) began."""

    type: ClassVar[str] = "session.started"
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Event):
    """A call ended; ``reason`` says why (``end``, ``hangup``, ``timeout``, ``error``…)."""

    type: ClassVar[str] = "session.ended"
    reason: str = "end"


@dataclass(frozen=True, kw_only=True)
class TranscriptPartial(Event):
    """A hypothesis for the utterance in progress; the first ``stable`` characters never change."""

    type: ClassVar[str] = "transcript.partial"
    utterance: int
    start: float
    end: float
    text: str
    stable: int = 0
    speaker: Speaker = ""


@dataclass(frozen=True, kw_only=True)
class TranscriptFinal(Event):
    """The one final text of an utterance; replaces every partial of the same ``utterance``.

    ``latency_s`` is when the final became available minus the end of its speech, in seconds,
    compute and queueing included. ``act`` is the utterance's speech act and ``negated``
    whether its closing predicate is denied (filled in by the pipeline).
    """

    type: ClassVar[str] = "transcript.final"
    utterance: int
    start: float
    end: float
    text: str
    speaker: Speaker = ""
    latency_s: float = 0.0
    avg_logprob: float | None = None
    act: Act = ""
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class SuggestionItem:
    """One ranked manual section: why it matched and a short excerpt."""

    id: str
    title: str
    score: float
    matched: tuple[str, ...] = ()
    excerpt: str = ""


@dataclass(frozen=True, kw_only=True)
class Suggestion(Event):
    """The current ranked manual suggestions for the call (replaces the previous list)."""

    type: ClassVar[str] = "suggestion"
    items: tuple[SuggestionItem, ...] = ()
    utterance: int | None = None


@dataclass(frozen=True, kw_only=True)
class Alert(Event):
    """An attention word was heard in an utterance; one alert per (``utterance``, ``word``).

    Raised from a partial it is ``tentative``; the utterance's final then either confirms it
    (the same ``utterance`` and ``word`` again, ``tentative`` false, with the final's text and
    act) or withdraws it (``withdrawn`` true). Raised from a final it is confirmed at once.
    ``act`` and ``negated`` say whether the words were asked, denied, imagined or quoted
    (see docs/knowledge.md for how each level shows them).
    """

    type: ClassVar[str] = "alert"
    level: AlertLevel
    word: str
    segment: str
    matched: str = ""
    utterance: int | None = None
    start: float = 0.0
    end: float = 0.0
    speaker: Speaker = ""
    section: str = ""
    tentative: bool = False
    withdrawn: bool = False
    act: Act = ""
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class CheckItem:
    """One intake checklist item.

    Covered: ``evidence`` is the answer or statement that gave it, ``act`` says which
    (``answer``/``statement``/``reported``), ``value`` the slot value taken from it (3歳,
    男, この携帯…; "" for items without a slot). Asked: ``evidence`` is the question.
    """

    id: str
    label: str
    evidence: str = ""
    value: str = ""
    act: Act = ""


@dataclass(frozen=True, kw_only=True)
class Checklist(Event):
    """Intake items covered so far (told in an answer or a statement), asked (only asked so
    far) and missing (neither)."""

    type: ClassVar[str] = "checklist"
    covered: tuple[CheckItem, ...] = ()
    missing: tuple[CheckItem, ...] = ()
    asked: tuple[CheckItem, ...] = ()


@dataclass(frozen=True, kw_only=True)
class HelpRequest(Event):
    """A handler asks the supervisors for help."""

    type: ClassVar[str] = "help.request"
    reason: str = ""
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class Advice(Event):
    """A supervisor's advice to the handler of a session."""

    type: ClassVar[str] = "advice"
    text: str
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class Note(Event):
    """A note for the call record (the handler's, or a supervisor's).

    Events are append-only, so an edit is a new note: ``replaces`` is the seq of the note it
    replaces (0: a new note). An edit with empty ``text`` withdraws the note. The newest edit
    of a note is what the record shows, in the place of the first version.
    """

    type: ClassVar[str] = "note"
    text: str
    by: str = ""
    replaces: int = 0


@dataclass(frozen=True, kw_only=True)
class RecordClosed(Event):
    """The call record is final: no note is added or edited after this (always the last event)."""

    type: ClassVar[str] = "record.closed"
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class Ack(Event):
    """Someone picked up a help request or read an advice: ``ref`` is that event's seq."""

    type: ClassVar[str] = "ack"
    ref: int
    kind: str = ""
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(Event):
    """Something went wrong in a session; ``code`` is stable, ``message`` is for people."""

    type: ClassVar[str] = "error"
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class RiskEvidence:
    """The words behind one mark on the risk sheet (``denies``: they deny the sub-item)."""

    subitem: str
    text: str
    at: float = 0.0
    speaker: Speaker = ""
    act: Act = ""
    denies: bool = False
    label: str = ""
    """The sheet's wording of the sub-item (for people; ``subitem`` is the id)."""


@dataclass(frozen=True, kw_only=True)
class RiskItemState:
    """One item (① to ⑧) of the risk sheet: ``state`` is 該当, 非該当 or 未確認."""

    id: str
    number: str
    label: str
    state: str
    subitems: tuple[str, ...] = ()
    evidence: tuple[RiskEvidence, ...] = ()
    conflicting: bool = False


@dataclass(frozen=True, kw_only=True)
class RiskQuestion:
    """What to ask next about an item, and the tier it could lead to."""

    item: str
    ask: str
    raises_to: str = ""
    reason: str = ""
    manual: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RiskSuspicion:
    """A severe sub-item the rules did not tick, suspected by the second reader from
    ``words``: to be confirmed (要確認); it ticks nothing and changes no tier."""

    subitem: str
    text: str
    words: tuple[str, ...] = ()
    at: float = 0.0
    speaker: Speaker = ""
    asked: str = ""
    label: str = ""


@dataclass(frozen=True, kw_only=True)
class SimilarCall:
    """An earlier call close to this one in content and risk profile."""

    session: str
    date: str
    tier: str = ""
    notes: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class Risk(Event):
    """The risk sheet of the call (replaces the previous one): the tier, the rules that gave
    it, each item with its evidence, what to ask next, similar earlier calls. No score."""

    type: ClassVar[str] = "risk"
    tier: str
    tier_label: str = ""
    rules: tuple[str, ...] = ()
    items: tuple[RiskItemState, ...] = ()
    severe: tuple[str, ...] = ()
    next: tuple[RiskQuestion, ...] = ()
    similar: tuple[SimilarCall, ...] = ()
    utterance: int | None = None
    suspected: tuple[RiskSuspicion, ...] = ()


EVENT_TYPES: Mapping[str, type[Event]] = {
    cls.type: cls
    for cls in (
        SessionStarted,
        SessionEnded,
        TranscriptPartial,
        TranscriptFinal,
        Suggestion,
        Alert,
        Checklist,
        HelpRequest,
        Advice,
        Note,
        Ack,
        ErrorEvent,
        RecordClosed,
        Risk,
    )
}


class Sequencer:
    """Stamps the events of one session with ``seq`` 1, 2, 3… in the order they are issued."""

    def __init__(self, start: int = 0) -> None:
        self._last = start

    @property
    def last(self) -> int:
        """The last seq handed out (0 before the first event)."""
        return self._last

    def stamp(self, event: Event) -> Event:
        """Return ``event`` with the next seq."""
        self._last += 1
        return dataclasses.replace(event, seq=self._last)
