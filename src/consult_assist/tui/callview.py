"""The state of one call as a screen shows it, built by applying events; no Textual, no clock.

:meth:`CallView.apply` takes the session's events in seq order and says which parts of the
screen changed. It is idempotent by seq: an event whose seq was already applied (a resume that
overlaps, a duplicate from a fake) changes nothing, so the apps never show a line twice.
A partial and the final of the same ``utterance`` share one :class:`Line`, replaced in place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from consult_assist.events import (
    Ack,
    Advice,
    Alert,
    AlertLevel,
    CheckItem,
    Checklist,
    ErrorEvent,
    Event,
    HelpRequest,
    Note,
    RecordClosed,
    SessionEnded,
    SessionStarted,
    Suggestion,
    SuggestionItem,
    TranscriptFinal,
    TranscriptPartial,
)

__all__ = [
    "LEVEL_RANK",
    "AdviceState",
    "CallView",
    "HelpState",
    "Line",
    "NoteItem",
    "Part",
    "calm_order",
    "higher_level",
]

log = logging.getLogger(__name__)

LEVEL_RANK: Final[Mapping[str, int]] = {"critical": 3, "high": 2, "notice": 1}
"""Alert levels from the most to the least urgent (higher is more urgent)."""

Part = str
"""A part of a call's screen: ``session``, ``transcript``, ``suggestions``, ``alerts``,
``checklist``, ``help``, ``advice``, ``notes`` or ``errors``."""


def higher_level(a: AlertLevel | None, b: AlertLevel | None) -> AlertLevel | None:
    """The more urgent of two alert levels (``None`` is below every level)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if LEVEL_RANK[a] >= LEVEL_RANK[b] else b


@dataclass
class Line:
    """One utterance of the transcript: partial until ``final`` is set."""

    utterance: int
    speaker: str
    text: str
    start: float
    final: bool = False
    stable: int = 0
    """Characters at the start of a partial that will not change."""
    marks: list[tuple[str, AlertLevel]] = field(default_factory=list)
    """Attention words heard in this utterance, to highlight: (text as heard, level)."""


@dataclass
class HelpState:
    """A help request of the handler and who picked it up."""

    seq: int
    reason: str
    by: str
    acked_by: str = ""

    @property
    def acked(self) -> bool:
        return bool(self.acked_by)


@dataclass
class AdviceState:
    """A supervisor's advice and whether the handler has acknowledged it."""

    seq: int
    text: str
    by: str
    acked_by: str = ""

    @property
    def acked(self) -> bool:
        return bool(self.acked_by)


@dataclass
class NoteItem:
    """A note as it reads now: its newest text, in the place of its first version."""

    seq: int
    """The first version's seq."""
    text: str
    by: str
    at: float
    latest: int
    """The newest version's seq (what the next edit replaces)."""
    edited: bool = False


class CallView:
    """Everything one call's screen shows, updated by :meth:`apply`."""

    def __init__(self, session: str) -> None:
        self.session = session
        self.meta: Mapping[str, Any] = {}
        self.started = False
        self.ended = False
        self.end_reason = ""
        self.duration_s: float | None = None
        """Seconds of call audio, once ended."""
        self.last_seq = 0
        self.lines: dict[int, Line] = {}
        self.suggestions: tuple[SuggestionItem, ...] = ()
        self.alerts: list[Alert] = []
        self.covered: tuple[CheckItem, ...] = ()
        self.missing: tuple[CheckItem, ...] = ()
        self.help: list[HelpState] = []
        self.advice: list[AdviceState] = []
        self.notes: list[Note] = []
        """Every note event as it came (edits too); :attr:`note_items` is what to show."""
        self.note_items: dict[int, NoteItem] = {}
        self._note_root: dict[int, int] = {}
        self.closed = False
        """The record is final: no note is added or edited any more."""
        self.errors: list[ErrorEvent] = []
        self.highest: AlertLevel | None = None

    # -- what the screens read -------------------------------------------------------------

    @property
    def handler(self) -> str:
        return str(self.meta.get("handler", ""))

    @property
    def training(self) -> bool:
        return bool(self.meta.get("training", False))

    @property
    def started_at(self) -> str:
        return str(self.meta.get("started_at", ""))

    @property
    def last_text(self) -> str:
        """The newest line of the transcript (partial or final), or ``""``."""
        if not self.lines:
            return ""
        return self.lines[next(reversed(self.lines))].text

    @property
    def open_help(self) -> list[HelpState]:
        """Help requests nobody has picked up yet, oldest first."""
        return [h for h in self.help if not h.acked]

    @property
    def unread_advice(self) -> list[AdviceState]:
        """Advice the handler has not acknowledged yet, oldest first."""
        return [a for a in self.advice if not a.acked]

    # -- applying events ---------------------------------------------------------------------

    def apply(self, event: Event) -> frozenset[Part]:
        """Apply one event of this session; return the parts that changed (empty: nothing)."""
        if event.session != self.session:
            return frozenset()
        if event.seq:
            if event.seq <= self.last_seq:
                return frozenset()  # already applied: a resume overlap or a duplicate
            self.last_seq = event.seq
        return self._apply(event)

    def _apply(self, event: Event) -> frozenset[Part]:
        if isinstance(event, SessionStarted):
            self.meta = dict(event.meta)
            self.started = True
            return frozenset({"session"})
        if isinstance(event, SessionEnded):
            self.ended = True
            self.end_reason = event.reason
            self.duration_s = event.at
            return frozenset({"session"})
        if isinstance(event, TranscriptPartial | TranscriptFinal):
            return self._transcript(event)
        if isinstance(event, Suggestion):
            self.suggestions = tuple(event.items)
            return frozenset({"suggestions"})
        if isinstance(event, Alert):
            return self._alert(event)
        if isinstance(event, Checklist):
            self.covered, self.missing = tuple(event.covered), tuple(event.missing)
            return frozenset({"checklist"})
        if isinstance(event, HelpRequest):
            self.help.append(HelpState(event.seq, event.reason, event.by))
            return frozenset({"help"})
        if isinstance(event, Advice):
            self.advice.append(AdviceState(event.seq, event.text, event.by))
            return frozenset({"advice"})
        if isinstance(event, Ack):
            return self._ack(event)
        if isinstance(event, Note):
            self._note(event)
            return frozenset({"notes"})
        if isinstance(event, RecordClosed):
            self.closed = True
            return frozenset({"session", "notes"})
        if isinstance(event, ErrorEvent):
            self.errors.append(event)
            return frozenset({"errors"})
        log.debug("[%s] event %s is not shown", self.session, event.type)
        return frozenset()

    def _note(self, event: Note) -> None:
        self.notes.append(event)
        if not event.replaces:
            self._note_root[event.seq] = event.seq
            self.note_items[event.seq] = NoteItem(
                event.seq, event.text, event.by, event.at, latest=event.seq
            )
            return
        root = self._note_root.get(event.replaces, event.replaces)
        self._note_root[event.seq] = root
        item = self.note_items.get(root)
        if item is None:
            return  # an edit of a note this view never saw
        if not event.text.strip():
            del self.note_items[root]  # withdrawn
            return
        item.text, item.latest, item.edited = event.text, event.seq, True

    def _transcript(self, event: TranscriptPartial | TranscriptFinal) -> frozenset[Part]:
        line = self.lines.get(event.utterance)
        if line is not None and line.final and isinstance(event, TranscriptPartial):
            return frozenset()  # a late partial never undoes a final
        if line is None:
            line = Line(event.utterance, event.speaker, event.text, event.start)
            self.lines[event.utterance] = line
        line.text = event.text
        line.speaker = event.speaker or line.speaker
        if isinstance(event, TranscriptFinal):
            line.final, line.stable = True, len(event.text)
        else:
            line.stable = event.stable
        return frozenset({"transcript"})

    def _alert(self, event: Alert) -> frozenset[Part]:
        self.alerts.append(event)
        self.highest = higher_level(self.highest, event.level)
        parts = {"alerts"}
        if event.utterance is not None and event.utterance in self.lines:
            mark = (event.matched or event.word, event.level)
            line = self.lines[event.utterance]
            if mark not in line.marks:
                line.marks.append(mark)
                parts.add("transcript")
        elif event.utterance is not None:
            # The alert came before any text of its utterance: keep the mark for when it comes.
            line = Line(event.utterance, event.speaker, "", event.start)
            line.marks.append((event.matched or event.word, event.level))
            self.lines[event.utterance] = line
        return frozenset(parts)

    def _ack(self, event: Ack) -> frozenset[Part]:
        by = event.by or "?"
        for h in self.help:
            if h.seq == event.ref and not h.acked:
                h.acked_by = by
                return frozenset({"help"})
        for a in self.advice:
            if a.seq == event.ref and not a.acked:
                a.acked_by = by
                return frozenset({"advice"})
        return frozenset()


def calm_order(
    shown: Sequence[str], items: Sequence[SuggestionItem], limit: int
) -> list[SuggestionItem]:
    """Order a new suggestion list so that what is on screen does not jump.

    Items already shown keep their rows; a row whose item left the list is taken by the best
    new item; further new items follow in rank order, up to ``limit`` rows in all.
    """
    ranked = list(items)[:limit]
    by_id = {item.id: item for item in ranked}
    newcomers = [item for item in ranked if item.id not in shown]
    out: list[SuggestionItem] = []
    for sid in shown:
        if sid in by_id:
            out.append(by_id[sid])
        elif newcomers:
            out.append(newcomers.pop(0))
    out.extend(newcomers)
    return out[:limit]
