"""The state of one call as a screen shows it, built by applying events; no Textual, no clock.

:meth:`CallView.apply` takes the session's events in seq order and says which parts of the
screen changed. It is idempotent by seq: an event whose seq was already applied (a resume that
overlaps, a duplicate from a fake) changes nothing, so the apps never show a line twice.
A partial and the final of the same ``utterance`` share one :class:`Line`, replaced in place.

Alerts are kept per (utterance, word): a confirmation replaces the tentative alert in place,
a withdrawal removes it (and its mark in the transcript). How prominently each alert shows
is decided by :func:`prominence` (the rule is written down in docs/knowledge.md).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

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
    Risk,
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
    "FeedEntry",
    "HelpState",
    "Line",
    "NoteItem",
    "Part",
    "Prominence",
    "asserted",
    "calm_order",
    "fold_feed",
    "higher_level",
    "prominence",
]

log = logging.getLogger(__name__)

LEVEL_RANK: Final[Mapping[str, int]] = {"critical": 3, "high": 2, "notice": 1}
"""Alert levels from the most to the least urgent (higher is more urgent)."""

Part = str
"""A part of a call's screen: ``session``, ``transcript``, ``suggestions``, ``alerts``,
``checklist``, ``help``, ``advice``, ``notes``, ``errors`` or ``risk``."""


Prominence = Literal["banner", "feed", "dim", "hidden"]
"""How an alert shows: ``banner`` (the banner, the feed, the bell for a critical word),
``feed`` (the feed, marked, no banner and no bell), ``dim`` (the feed, dimmed) or ``hidden``
(only the dimmed mark in the transcript)."""


def asserted(alert: Alert) -> bool:
    """Whether the words were said as a fact: not asked, denied, imagined or requested.

    Reported speech counts as said (「殺すぞって言ってた」); an alert from before speech
    acts existed (no ``act``) counts as said, as it was shown then.
    """
    return alert.act in ("", "statement", "answer", "reported") and not alert.negated


def prominence(alert: Alert) -> Prominence:
    """The rule per level (docs/knowledge.md): said as a fact, any level goes to the banner;
    asked, denied, imagined or requested, a critical word stays in the feed (marked, no
    banner, no bell), a high one is dimmed in the feed, a notice one is not listed."""
    if asserted(alert):
        return "banner"
    if alert.level == "critical":
        return "feed"
    if alert.level == "high":
        return "dim"
    return "hidden"


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
    dim_marks: list[str] = field(default_factory=list)
    """Of ``marks``, the words asked, denied, imagined or requested (shown dimmed)."""


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
        self.touched: list[int] = []
        """Utterances in the order their line changed, one entry per change (append-only): a
        screen remembers how far it has read and redraws only those lines, whatever the
        length of the call."""
        self.suggestions: tuple[SuggestionItem, ...] = ()
        self._alerts: dict[tuple[int | None, str], Alert] = {}
        self.covered: tuple[CheckItem, ...] = ()
        self.missing: tuple[CheckItem, ...] = ()
        self.asked: tuple[CheckItem, ...] = ()
        self.ring = False
        """Whether the last event applied put a new critical word in the banner (the bell)."""
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
        self.risk: Risk | None = None
        """The newest risk sheet of the call (None before the first)."""

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
    def alerts(self) -> list[Alert]:
        """The call's alerts now, in the order they first came: tentative ones included,
        withdrawn ones gone, each (utterance, word) once in its latest state."""
        return list(self._alerts.values())

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
        self.ring = False
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
            self.asked = tuple(event.asked)
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
        if isinstance(event, Risk):
            self.risk = event
            return frozenset({"risk"})
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
        self.touched.append(event.utterance)
        return frozenset({"transcript"})

    def _alert(self, event: Alert) -> frozenset[Part]:
        key = (event.utterance, event.word)
        before = self._alerts.get(key)
        parts = {"alerts"}
        if event.withdrawn:
            if before is None:
                return frozenset()
            del self._alerts[key]
            self._recompute_highest()
            if self._unmark(before):
                if before.utterance is not None:
                    self.touched.append(before.utterance)
                parts.add("transcript")
            return frozenset(parts)
        self._alerts[key] = event
        self._recompute_highest()
        shown = prominence(event) == "banner"
        self.ring = (
            event.level == "critical"
            and shown
            and (before is None or prominence(before) != "banner")
        )
        line = self.lines.get(event.utterance) if event.utterance is not None else None
        drawn = (tuple(line.marks), tuple(line.dim_marks)) if line is not None else None
        if before is not None:
            self._unmark(before)
        if event.utterance is not None:
            if line is None:
                # The alert came before any text of its utterance: keep the mark for then.
                line = Line(event.utterance, event.speaker, "", event.start)
                self.lines[event.utterance] = line
            mark = (event.matched or event.word, event.level)
            if mark not in line.marks:
                line.marks.append(mark)
            if not shown and mark[0] not in line.dim_marks:
                line.dim_marks.append(mark[0])
            if (tuple(line.marks), tuple(line.dim_marks)) != drawn:
                self.touched.append(event.utterance)
                parts.add("transcript")
        return frozenset(parts)

    def _unmark(self, alert: Alert) -> bool:
        line = self.lines.get(alert.utterance) if alert.utterance is not None else None
        if line is None:
            return False
        mark = (alert.matched or alert.word, alert.level)
        if mark not in line.marks:
            return False
        line.marks.remove(mark)
        if mark[0] in line.dim_marks:
            line.dim_marks.remove(mark[0])
        return True

    def _recompute_highest(self) -> None:
        highest: AlertLevel | None = None
        for alert in self._alerts.values():
            if prominence(alert) == "banner":
                highest = higher_level(highest, alert.level)
        self.highest = highest

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


@dataclass(frozen=True)
class FeedEntry:
    """One attention word in the supervisor's feed: the call it was heard in and when."""

    number: int
    """Arrival order (newest is highest)."""
    call: str
    """The call as a person names it: ``佐藤 14:30〜``."""
    when: str
    """The local time it was heard: ``14:33``."""
    alert: Alert


def fold_feed(feed: Sequence[FeedEntry], alert: Alert, *, call: str, when: str) -> list[FeedEntry]:
    """The feed after ``alert``: a confirmation replaces its tentative row (keeping its place),
    a withdrawal removes it, anything else is a new row (``call``, ``when``)."""
    key = (alert.session, alert.utterance, alert.word)
    out: list[FeedEntry] = []
    found = False
    for entry in feed:
        old = entry.alert
        if (old.session, old.utterance, old.word) == key and old.utterance is not None:
            found = True
            if not alert.withdrawn:
                out.append(dataclasses.replace(entry, alert=alert))
            continue
        out.append(entry)
    if not found and not alert.withdrawn:
        number = max((e.number for e in feed), default=-1) + 1
        out.append(FeedEntry(number, call, when, alert))
    return out


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
