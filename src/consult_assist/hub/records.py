"""The call-record draft: one session's events folded into what a staff member would type by hand.

:func:`build_record` reads the events of one session (in seq order) and returns a
:class:`CallRecord`; :func:`render_markdown` writes it as a Japanese draft for staff to review and
:func:`record_to_json` as plain data with the full event list. Pure: no I/O, no wall clock. Times
inside the call are seconds of call audio; wall-clock times come only from the ``started_at`` the
server put into ``session.started``.
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
    "record_to_json",
    "render_markdown",
]


@dataclass(frozen=True, kw_only=True)
class AckEntry:
    """Someone acknowledged a help request or an advice, at ``at`` seconds of call audio."""

    by: str
    at: float


@dataclass(frozen=True, kw_only=True)
class AlertEntry:
    """One attention word heard once; ``start`` is when its utterance began (as the transcript).

    ``at`` is when the first alert for it was raised (a partial's alert comes before the final's).
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
    """A handler's note."""

    at: float
    text: str
    by: str


@dataclass(frozen=True, kw_only=True)
class ErrorEntry:
    """A system error during the call: the transcript around ``at`` may be incomplete."""

    at: float
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class TranscriptLine:
    """One final utterance; ``speaker`` is ``caller``, ``handler`` or ``""``."""

    utterance: int
    start: float
    end: float
    speaker: str
    text: str


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
    alerts: tuple[AlertEntry, ...]
    sections: tuple[SectionEntry, ...]
    help_requests: tuple[HelpEntry, ...]
    advice: tuple[AdviceEntry, ...]
    notes: tuple[NoteEntry, ...]
    transcript: tuple[TranscriptLine, ...]
    errors: tuple[ErrorEntry, ...]

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
    meta: Mapping[str, Any] = started.meta if started is not None else {}
    begin = started.at if started is not None else 0.0
    end = ended.at if ended is not None else max(e.at for e in events)
    duration = max(0.0, end - begin)
    started_at = _text(meta.get("started_at")) or None
    ended_at = _plus(started_at, duration) if ended is not None else None

    covered, missing = _checklist([e for e in events if isinstance(e, Checklist)])
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
        notes=tuple(
            NoteEntry(at=e.at, text=e.text, by=e.by) for e in events if isinstance(e, Note)
        ),
        transcript=finals,
        errors=tuple(
            ErrorEntry(at=e.at, code=e.code, message=e.message)
            for e in events
            if isinstance(e, ErrorEvent)
        ),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: Any) -> bool:
    # meta comes off the wire or a config file: accept the spellings a person would write.
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return value is True or (isinstance(value, int) and value == 1)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _plus(started_at: str | None, seconds: float) -> str | None:
    start = _parse_time(started_at)
    if start is None:
        return None
    return (start + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _checklist(updates: Sequence[Checklist]) -> tuple[tuple[CheckItem, ...], tuple[CheckItem, ...]]:
    # Each update is the whole list, so the last one decides; earlier ones only fill in items or
    # evidence a later one lacks (a covered item never becomes uncovered).
    covered: dict[str, CheckItem] = {}
    for update in updates:
        for item in update.covered:
            if item.evidence or item.id not in covered:
                covered[item.id] = item
    if not updates:
        return (), ()
    # Keep the order of the last update; items only an earlier one had come after.
    order = [i.id for i in updates[-1].covered]
    order += [key for key in covered if key not in order]
    missing = tuple(i for i in updates[-1].missing if i.id not in covered)
    return tuple(covered[key] for key in order), missing


def _finals(finals: Sequence[TranscriptFinal]) -> tuple[TranscriptLine, ...]:
    # One final per utterance; should one be sent again, the later text wins.
    by_utterance = {
        f.utterance: TranscriptLine(
            utterance=f.utterance, start=f.start, end=f.end, speaker=f.speaker, text=f.text
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
    final_text = {line.utterance: line.text for line in finals}
    kept: dict[tuple[object, ...], AlertEntry] = {}
    for alert in alerts:
        # A partial and then the final of the same utterance report the same occurrence.
        key: tuple[object, ...] = (
            ("u", alert.utterance, alert.word)
            if alert.utterance is not None
            else ("t", round(alert.start, 2), alert.speaker, alert.word)
        )
        first = kept.get(key)
        if first is None:
            kept[key] = _alert_entry(alert)
            continue
        level = max(first.level, alert.level, key=lambda lv: _SEVERITY.get(lv, 0))
        # Keep the first time; the later segment is the longer, surer text.
        kept[key] = dataclasses.replace(first, level=level, segment=alert.segment or first.segment)
    out = []
    for entry in kept.values():
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


# -- Markdown ---------------------------------------------------------------------------------

_SPEAKER: Mapping[str, str] = {"caller": "相談者", "handler": "対応者", "": ""}
_LEVEL: Mapping[str, str] = {"critical": "重大", "high": "高", "notice": "注意"}
_SOURCE: Mapping[str, str] = {
    "sip": "電話（SIP）",
    "siprec": "電話（SIPREC 録音連携）",
    "mic": "マイク",
    "websocket": "WebSocket 接続",
    "file": "音声ファイル",
}
_REASON: Mapping[str, str] = {
    "end": "終了",
    "hangup": "終話（電話が切れた）",
    "cancel": "取り消し",
    "timeout": "タイムアウト",
    "error": "エラーにより中断",
}
_WEEKDAY = "月火水木金土日"
_JST = timedelta(hours=9)
_NONE = "（なし）"
_UNRECORDED = "（記録なし）"


def render_markdown(record: CallRecord, *, titles: Mapping[str, str] | None = None) -> str:
    """The record as a Japanese Markdown draft, for a staff member to check and complete.

    ``titles`` (section id → title, from the manual) names sections that alerts point to but
    that were never suggested during the call.
    """
    title = "# 通話記録（下書き）" + ("【研修（再生）通話】" if record.training else "")
    out = [title, "", "> 自動で作成した下書きです。内容を確認し、必要に応じて修正してください。"]
    if record.training:
        out += ["", "**研修（再生）通話です。実際の相談の記録ではありません。**"]
    if record.errors:
        gap = "文字起こしが欠けている可能性があります"
        out += [""] + [
            f"**※ [{_clock(e.at)}] システムエラー: {e.message}（{gap}）**" for e in record.errors
        ]
    out += ["", *_header(record)]

    out += ["", "## 確認項目", "", "### 聞き取り済み", ""]
    out += [
        f"- {i.label}: 「{_oneline(i.evidence)}」" if i.evidence else f"- {i.label}"
        for i in record.covered
    ] or [_NONE]
    out += ["", "### 未確認", ""]
    out += [f"- {i.label}" for i in record.missing] or [_NONE]

    known = {**(titles or {}), **{s.id: s.title for s in record.sections}}
    out += ["", "## 注意ワード", ""]
    out += [_alert_line(a, known) for a in record.alerts] or [_NONE]

    out += ["", "## 参照したマニュアル", ""]
    out += [
        f"- [{_clock(s.first_at)}] {s.title}（{s.id}、最高{s.best_rank}位）"
        for s in record.sections
    ] or [_NONE]

    out += ["", "## 応援要請と助言", ""]
    exchanges = [(h.at, _help_line(h)) for h in record.help_requests]
    exchanges += [(a.at, _advice_line(a)) for a in record.advice]
    out += [line for _, line in sorted(exchanges, key=lambda x: x[0])] or [_NONE]

    out += ["", "## 対応メモ", ""]
    out += [
        f"- [{_clock(n.at)}] {n.by + ': ' if n.by else ''}{_block(n.text)}" for n in record.notes
    ] or [_NONE]

    out += ["", "## 通話の文字起こし", ""]
    out += [
        f"- [{_clock(t.start)}] {_who(t.speaker, suffix=': ')}{_oneline(t.text)}"
        for t in record.transcript
    ] or [_NONE]
    return "\n".join(out) + "\n"


def _header(record: CallRecord) -> list[str]:
    lines = [
        f"- 日時: {_when(record)}",
        f"- 通話時間: {_duration(record.duration_s)}"
        + ("" if record.ended else "（終了の記録なし: 通話中または中断）"),
        f"- 対応者: {record.handler or _UNRECORDED}",
    ]
    if record.started_by and record.started_by != record.handler:
        lines.append(f"- 開始操作: {record.started_by}")
    lines.append(f"- 区分: {'研修（再生）' if record.training else '本番'}")
    lines.append(f"- 経路: {_SOURCE.get(record.source, record.source) or _UNRECORDED}")
    if record.file:
        lines.append(f"- 再生ファイル: {record.file}")
    if record.source in ("sip", "siprec") or record.caller:
        lines.append(f"- 発信番号: {record.caller or '（非通知または不明）'}")
    if record.call_id:
        lines.append(f"- 通話 ID: {record.call_id}")
    lines.append(f"- セッション: {record.session}")
    reason = record.end_reason
    lines.append(
        f"- 終了: {_REASON.get(reason, reason)}" if reason is not None else "- 終了: 記録なし"
    )
    return lines


def _when(record: CallRecord) -> str:
    start = _parse_time(record.started_at)
    if start is None:
        return record.started_at or _UNRECORDED
    zone = start.utcoffset()
    # The hotline works in Japan time; any other offset is shown so it is not misread.
    suffix = "" if zone is None or zone == _JST else f"（UTC{start.isoformat()[-6:]}）"
    text = f"{_date(start)} {start:%H:%M}"
    end = _parse_time(record.ended_at)
    if end is None:
        return f"{text}〜{suffix}"
    same_day = end.date() == start.date()
    return f"{text}〜{'' if same_day else _date(end) + ' '}{end:%H:%M}{suffix}"


def _date(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日（{_WEEKDAY[moment.weekday()]}）"


def _duration(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}時間{minutes}分{secs}秒"
    return f"{minutes}分{secs}秒" if minutes else f"{secs}秒"


def _clock(seconds: float) -> str:
    """``mm:ss`` of call audio (minutes keep counting past an hour: 72:05)."""
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def _who(speaker: str, *, suffix: str) -> str:
    label = _SPEAKER.get(speaker, speaker)
    return label + suffix if label else ""


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _block(text: str) -> str:
    # A note may span lines: indent the rest so they stay inside the list item.
    return "\n  ".join(line.rstrip() for line in text.strip().splitlines())


def _alert_line(alert: AlertEntry, titles: Mapping[str, str]) -> str:
    who = _who(alert.speaker, suffix="")
    line = f"- [{_clock(alert.start)}] 【{_LEVEL.get(alert.level, alert.level)}】{alert.word}"
    line += f"（{who}）" if who else ""
    line += f"「{_oneline(alert.segment)}」"
    if alert.section:
        line += f" → マニュアル: {titles.get(alert.section, alert.section)}"
    return line


def _acked(acks: Sequence[AckEntry], verb: str, none: str) -> str:
    if not acks:
        return none
    return "、".join(f"{a.by or '（不明）'}（{_clock(a.at)}）" for a in acks) + verb


def _help_line(entry: HelpEntry) -> str:
    reason = f": 「{_oneline(entry.reason)}」" if entry.reason else ""
    by = f"（{entry.by}）" if entry.by else ""
    acked = _acked(entry.acks, "が対応", "対応の記録なし")
    return f"- [{_clock(entry.at)}] 応援要請{by}{reason} → {acked}"


def _advice_line(entry: AdviceEntry) -> str:
    by = f"（{entry.by}）" if entry.by else ""
    acked = _acked(entry.acks, "が確認", "確認の記録なし")
    return f"- [{_clock(entry.at)}] 助言{by}: 「{_block(entry.text)}」 → {acked}"
