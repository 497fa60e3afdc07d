"""The call record: one session's events folded into what a staff member would type by hand.

:func:`build_record` reads the events of one session (in seq order) and returns a
:class:`CallRecord`; :func:`record_to_json` gives it as plain data with the full event list (the
Japanese Markdown draft is :mod:`consult_assist.hub.record_markdown`). Pure: no I/O, no wall
clock. Times inside the call are seconds of call audio; wall-clock times come only from the
``started_at`` the server put into ``session.started``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consult_assist.errors import RecordError
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
    TranscriptFinal,
)
from consult_assist.wire import event_to_dict

__all__ = [
    "AckEntry",
    "AdviceEntry",
    "AlertEntry",
    "CallRecord",
    "ErrorEntry",
    "HelpEntry",
    "NoteEntry",
    "RecordError",
    "SectionEntry",
    "TranscriptLine",
    "build_record",
    "parse_time",
    "record_to_json",
]


@dataclass(frozen=True, kw_only=True)
class AckEntry:
    """Someone acknowledged a help request or an advice, at ``at`` seconds of call audio."""

    by: str
    at: float


@dataclass(frozen=True, kw_only=True)
class AlertEntry:
    """One confirmed attention word; ``start`` is when its utterance began (as the transcript).

    ``at`` is when the first alert for it was raised (a partial's alert comes before the
    final's); ``act`` and ``negated`` say whether it was asked, denied, imagined or quoted.
    """

    level: AlertLevel
    word: str
    segment: str
    matched: str
    utterance: int | None
    start: float
    at: float
    speaker: str
    section: str
    act: str = ""
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class SectionEntry:
    """A manual section suggested during the call: when first shown, best rank (1 = top)."""

    id: str
    title: str
    first_at: float
    best_rank: int


@dataclass(frozen=True, kw_only=True)
class HelpEntry:
    """A help request and who picked it up (first acknowledgement per person, in order)."""

    seq: int
    at: float
    reason: str
    by: str
    acks: tuple[AckEntry, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AdviceEntry:
    """A supervisor's advice and who read it."""

    seq: int
    at: float
    text: str
    by: str
    acks: tuple[AckEntry, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoteEntry:
    """A note as it reads now: the newest edit's text, in the place of the first version."""

    at: float
    text: str
    by: str
    seq: int = 0
    """The seq of the first version (what an edit's ``replaces`` chain leads back to)."""
    edited: bool = False
    after_call: bool = False
    """Written after the call had ended (while the record was still open)."""


@dataclass(frozen=True, kw_only=True)
class ErrorEntry:
    """A system error during the call: the transcript around ``at`` may be incomplete."""

    at: float
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class TranscriptLine:
    """One final utterance; ``speaker`` is ``caller``, ``handler`` or ``unknown`` (``""`` in
    calls stored before speakers were always named); ``act`` its speech act."""

    utterance: int
    start: float
    end: float
    speaker: str
    text: str
    act: str = ""


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """Everything a call record holds, in seconds of call audio unless said otherwise.

    ``started_at`` is the server's ISO 8601 wall clock as given (None when unknown);
    ``ended_at`` is derived from it and the end of the call, and is None while the call has no
    ``session.ended`` (live, or interrupted) or when the start is unknown. ``duration_s`` runs to
    ``session.ended`` or, without one, to the last event. ``end_reason`` is None when not ended.
    """

    session: str
    started_at: str | None
    ended_at: str | None
    duration_s: float
    end_reason: str | None
    handler: str
    started_by: str
    training: bool
    source: str
    caller: str
    call_id: str
    file: str
    covered: tuple[CheckItem, ...]
    missing: tuple[CheckItem, ...]
    asked: tuple[CheckItem, ...]
    alerts: tuple[AlertEntry, ...]
    sections: tuple[SectionEntry, ...]
    help_requests: tuple[HelpEntry, ...]
    advice: tuple[AdviceEntry, ...]
    notes: tuple[NoteEntry, ...]
    transcript: tuple[TranscriptLine, ...]
    errors: tuple[ErrorEntry, ...]
    closed_by: str | None = None
    """Who made the record final (``record.closed``); None while notes may still change."""
    risk: Risk | None = None
    """The last risk sheet of the call (None: no ``risk`` event)."""

    @property
    def closed(self) -> bool:
        """Whether the record is final."""
        return self.closed_by is not None

    @property
    def ended(self) -> bool:
        """Whether the events include the end of the call."""
        return self.end_reason is not None


_SEVERITY: Mapping[str, int] = {"critical": 3, "high": 2, "notice": 1}


def build_record(events: Sequence[Event]) -> CallRecord:
    """Fold the events of one session, in seq order, into its :class:`CallRecord`."""
    if not events:
        raise RecordError("no events to build a call record from: is the session id right?")
    session = events[0].session
    others = sorted({e.session for e in events} - {session})
    if others:
        raise RecordError(f"a call record is for one session, got {session!r} and {others!r}")

    started = next((e for e in events if isinstance(e, SessionStarted)), None)
    ended = next((e for e in reversed(events) if isinstance(e, SessionEnded)), None)
    closed = next((e for e in events if isinstance(e, RecordClosed)), None)
    meta: Mapping[str, Any] = started.meta if started is not None else {}
    begin = started.at if started is not None else 0.0
    end = ended.at if ended is not None else max(e.at for e in events)
    duration = max(0.0, end - begin)
    started_at = _text(meta.get("started_at")) or None
    ended_at = _plus(started_at, duration) if ended is not None else None

    covered, missing, asked = _checklist([e for e in events if isinstance(e, Checklist)])
    finals = _finals([e for e in events if isinstance(e, TranscriptFinal)])
    acks = _acks([e for e in events if isinstance(e, Ack)])
    return CallRecord(
        session=session,
        started_at=started_at,
        ended_at=ended_at,
        duration_s=duration,
        end_reason=ended.reason if ended is not None else None,
        handler=_text(meta.get("handler")),
        started_by=_text(meta.get("started_by")),
        training=_flag(meta.get("training")),
        source=_text(meta.get("source")),
        caller=_text(meta.get("caller")),
        call_id=_text(meta.get("call_id")),
        file=_text(meta.get("file")),
        covered=covered,
        missing=missing,
        asked=asked,
        alerts=_alerts([e for e in events if isinstance(e, Alert)], finals),
        sections=_sections([e for e in events if isinstance(e, Suggestion)]),
        help_requests=tuple(
            HelpEntry(seq=e.seq, at=e.at, reason=e.reason, by=e.by, acks=acks.get(e.seq, ()))
            for e in events
            if isinstance(e, HelpRequest)
        ),
        advice=tuple(
            AdviceEntry(seq=e.seq, at=e.at, text=e.text, by=e.by, acks=acks.get(e.seq, ()))
            for e in events
            if isinstance(e, Advice)
        ),
        notes=_notes(
            [e for e in events if isinstance(e, Note)], ended.seq if ended is not None else None
        ),
        transcript=finals,
        errors=tuple(
            ErrorEntry(at=e.at, code=e.code, message=e.message)
            for e in events
            if isinstance(e, ErrorEvent)
        ),
        closed_by=closed.by if closed is not None else None,
        risk=next((e for e in reversed(events) if isinstance(e, Risk)), None),
    )


def _notes(notes: Sequence[Note], ended_seq: int | None) -> tuple[NoteEntry, ...]:
    # An edit names the note it replaces, maybe itself an edit: follow the chain to the first
    # version; the newest edit wins; an edit with no text withdraws the note.
    root: dict[int, int] = {}
    entries: dict[int, NoteEntry] = {}
    for note in notes:
        first = root.get(note.replaces, note.replaces) if note.replaces else note.seq
        root[note.seq] = first
        if first in entries:
            entries[first] = dataclasses.replace(entries[first], text=note.text, edited=True)
        elif not note.replaces:
            after = ended_seq is not None and note.seq > ended_seq
            entries[first] = NoteEntry(
                at=note.at, text=note.text, by=note.by, seq=note.seq, after_call=after
            )
    return tuple(e for e in entries.values() if e.text.strip())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: Any) -> bool:
    # meta comes off the wire or a config file: accept the spellings a person would write.
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return value is True or (isinstance(value, int) and value == 1)


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time from ``session.started`` meta, or None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _plus(started_at: str | None, seconds: float) -> str | None:
    start = parse_time(started_at)
    if start is None:
        return None
    return (start + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _checklist(
    updates: Sequence[Checklist],
) -> tuple[tuple[CheckItem, ...], tuple[CheckItem, ...], tuple[CheckItem, ...]]:
    # Each update is the whole list, so the last one decides; earlier ones only fill in items or
    # evidence a later one lacks (a covered item never becomes uncovered).
    covered: dict[str, CheckItem] = {}
    for update in updates:
        for item in update.covered:
            if item.evidence or item.id not in covered:
                covered[item.id] = item
    if not updates:
        return (), (), ()
    # Keep the order of the last update; items only an earlier one had come after.
    order = [i.id for i in updates[-1].covered]
    order += [key for key in covered if key not in order]
    missing = tuple(i for i in updates[-1].missing if i.id not in covered)
    asked = tuple(i for i in updates[-1].asked if i.id not in covered)
    return tuple(covered[key] for key in order), missing, asked


def _finals(finals: Sequence[TranscriptFinal]) -> tuple[TranscriptLine, ...]:
    # One final per utterance; should one be sent again, the later text wins.
    by_utterance = {
        f.utterance: TranscriptLine(
            utterance=f.utterance,
            start=f.start,
            end=f.end,
            speaker=f.speaker,
            text=f.text,
            act=f.act,
        )
        for f in finals
    }
    return tuple(sorted(by_utterance.values(), key=lambda line: (line.start, line.utterance)))


def _acks(acks: Sequence[Ack]) -> dict[int, tuple[AckEntry, ...]]:
    out: dict[int, dict[str, AckEntry]] = {}
    for ack in acks:
        out.setdefault(ack.ref, {}).setdefault(ack.by, AckEntry(by=ack.by, at=ack.at))
    return {ref: tuple(by.values()) for ref, by in out.items()}


def _alerts(alerts: Sequence[Alert], finals: Sequence[TranscriptLine]) -> tuple[AlertEntry, ...]:
    """Confirmed alerts only: a tentative alert the final withdrew, or never confirmed, is
    left out; one entry per (utterance, word), as the final had it."""
    final_text = {line.utterance: line.text for line in finals}
    first_at: dict[tuple[object, ...], float] = {}
    latest: dict[tuple[object, ...], Alert] = {}
    for alert in alerts:
        key: tuple[object, ...] = (
            ("u", alert.utterance, alert.word)
            if alert.utterance is not None
            else ("t", round(alert.start, 2), alert.speaker, alert.word)
        )
        first_at.setdefault(key, alert.at)
        before = latest.get(key)
        if before is not None and not alert.withdrawn and not alert.tentative:
            # Alerts from before tentative ones existed: the later is the longer, surer text.
            level = max(before.level, alert.level, key=lambda lv: _SEVERITY.get(lv, 0))
            alert = dataclasses.replace(alert, level=level)
        latest[key] = alert
    out = []
    for key, alert in latest.items():
        if alert.withdrawn or alert.tentative:
            continue
        entry = dataclasses.replace(_alert_entry(alert), at=first_at[key])
        text = final_text.get(entry.utterance) if entry.utterance is not None else None
        if text and (entry.matched or entry.word) in text:
            entry = dataclasses.replace(entry, segment=text)
        out.append(entry)
    return tuple(sorted(out, key=lambda e: (e.start, e.at)))


def _alert_entry(alert: Alert) -> AlertEntry:
    return AlertEntry(
        level=alert.level,
        word=alert.word,
        segment=alert.segment,
        matched=alert.matched,
        utterance=alert.utterance,
        start=alert.start,
        at=alert.at,
        speaker=alert.speaker,
        section=alert.section,
        act=alert.act,
        negated=alert.negated,
    )


def _sections(suggestions: Sequence[Suggestion]) -> tuple[SectionEntry, ...]:
    seen: dict[str, SectionEntry] = {}
    for suggestion in suggestions:
        for rank, item in enumerate(suggestion.items, start=1):
            first = seen.get(item.id)
            if first is None:
                seen[item.id] = SectionEntry(
                    id=item.id, title=item.title, first_at=suggestion.at, best_rank=rank
                )
            elif rank < first.best_rank:
                seen[item.id] = dataclasses.replace(first, best_rank=rank)
    # Insertion order breaks ties: within one suggestion, the higher ranked comes first.
    return tuple(sorted(seen.values(), key=lambda s: s.first_at))


def record_to_json(record: CallRecord, events: Sequence[Event]) -> dict[str, Any]:
    """The record as plain JSON-able data, with ``events``: the session's full event list."""
    out: dict[str, Any] = {
        f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)
    }
    out["ended"] = record.ended
    out["events"] = [event_to_dict(e) for e in events]
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        # As on the wire: milliseconds are plenty and keep the JSON diffable.
        return round(value, 3)
    return value
