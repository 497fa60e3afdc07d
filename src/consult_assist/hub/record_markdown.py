"""The call record as a Japanese Markdown draft, for a staff member to check and complete.

Pure: a :class:`~consult_assist.hub.records.CallRecord` in, text out. Every word a person reads
for an internal id (level, speaker, source, end reason, kind of call) comes from
:mod:`consult_assist.labels`, so the record says what the apps say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from consult_assist.events import CheckItem
from consult_assist.hub.record_sheet import intake_lines, risk_lines
from consult_assist.hub.records import (
    AckEntry,
    AdviceEntry,
    AlertEntry,
    CallRecord,
    HelpEntry,
    NoteEntry,
)
from consult_assist.labels import (
    act_label,
    date_label,
    end_reason_label,
    kind_label,
    level_label,
    local_time,
    source_label,
    speaker_label,
    time_label,
)

__all__ = ["render_markdown"]

_NONE = "（なし）"
_UNRECORDED = "（記録なし）"
_UNKNOWN_SPEAKERS = frozenset({"", "unknown"})
"""A mixed mono source cannot tell who spoke: such lines carry no speaker label at all."""


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
    if record.risk is not None:
        out += ["", *intake_lines(record, _when), "", *risk_lines(record.risk)]

    out += ["", "## 確認項目", "", "### 聴取済み", ""]
    out += [_covered_line(i) for i in record.covered] or [_NONE]
    if record.asked:
        # Asked but never answered: the record must not read as if it had been heard.
        out += ["", "### 質問済み・回答なし", ""]
        out += [f"- {i.label}（質問: 「{_oneline(i.evidence)}」）" for i in record.asked]
    out += ["", "### 未確認", ""]
    out += [f"- {i.label}" for i in record.missing] or [_NONE]

    known = {**(titles or {}), **{s.id: s.title for s in record.sections}}
    out += ["", "## 注意ワード", ""]
    out += [_alert_line(a, known) for a in record.alerts] or [_NONE]

    out += ["", "## 参照したマニュアル", ""]
    out += [
        f"- [{_clock(s.first_at)}] {s.title}（候補の最高 {s.best_rank} 位）"
        for s in record.sections
    ] or [_NONE]

    out += ["", "## 応援要請と助言", ""]
    exchanges = [(h.at, _help_line(h)) for h in record.help_requests]
    exchanges += [(a.at, _advice_line(a)) for a in record.advice]
    out += [line for _, line in sorted(exchanges, key=lambda x: x[0])] or [_NONE]

    out += ["", "## 対応メモ", ""]
    out += [_note_line(n) for n in record.notes] or [_NONE]

    out += ["", "## 通話の文字起こし", ""]
    out += [
        f"- [{_clock(t.start)}] {_who(t.speaker, suffix=': ')}{_oneline(t.text)}"
        for t in record.transcript
    ] or [_NONE]
    return "\n".join(out) + "\n"


def _header(record: CallRecord) -> list[str]:
    if not record.ended:
        duration_note = "（終了の記録なし: 通話中または中断）"
    elif record.end_reason == "stopped":
        duration_note = "（文字起こしを停止するまで。電話はその後も続きました）"
    else:
        duration_note = ""
    lines = [
        f"- 日時: {_when(record)}",
        f"- 通話時間: {_duration(record.duration_s)}{duration_note}",
        f"- 対応者: {_oneline(record.handler) or _UNRECORDED}",
    ]
    if record.started_by and record.started_by != record.handler:
        lines.append(f"- 開始操作: {_oneline(record.started_by)}")
    lines.append(f"- 区分: {kind_label(record.training)}{'（再生）' if record.training else ''}")
    lines.append(f"- 経路: {source_label(record.source) if record.source else _UNRECORDED}")
    if record.file:
        lines.append(f"- 再生ファイル: {_oneline(record.file)}")
    if record.source in ("sip", "siprec") or record.caller:
        lines.append(f"- 発信番号: {_oneline(record.caller) or '（非通知または不明）'}")
    if record.call_id:
        lines.append(f"- 通話 ID: {_oneline(record.call_id)}")
    lines.append(f"- セッション: {record.session}")
    reason = record.end_reason
    lines.append(
        f"- 終了: {end_reason_label(reason)}" if reason is not None else "- 終了: 記録なし"
    )
    if record.closed:
        lines.append(f"- 記録: 確定済み（{record.closed_by or _UNRECORDED}）")
    elif record.ended:
        lines.append("- 記録: 未確定（メモの追加・修正ができます）")
    return lines


def _when(record: CallRecord) -> str:
    start = local_time(record.started_at)
    if start is None:
        return record.started_at or _UNRECORDED
    # Shown in this machine's time zone, as every time a person reads (labels.local_time).
    text = f"{date_label(start)} {time_label(start)}"
    end = local_time(record.ended_at)
    if end is None:
        return f"{text}〜"
    same_day = end.date() == start.date()
    return f"{text}〜{'' if same_day else date_label(end) + ' '}{time_label(end)}"


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
    return "" if speaker in _UNKNOWN_SPEAKERS else speaker_label(speaker) + suffix


def _oneline(text: str) -> str:
    return _text(" ".join(text.split()))


def _block(text: str) -> str:
    # A note may span lines: indent the rest so they stay inside the list item.
    return "\n  ".join(_text(line.rstrip()) for line in text.strip().splitlines())


_MARKDOWN = frozenset("\\`*_[]<>")
"""Characters that make Markdown inside a line (emphasis, code, links, HTML)."""


def _text(said: str) -> str:
    """What a person said or typed, as text in the draft: Markdown in it is escaped, and
    control characters (escape sequences in a terminal) are dropped."""
    return "".join("\\" + c if c in _MARKDOWN else c for c in said if c.isprintable() or c == " ")


def _note_line(note: NoteEntry) -> str:
    when = "通話後" if note.after_call else _clock(note.at)
    edited = "（修正あり）" if note.edited else ""
    by = f"{_oneline(note.by)}: " if note.by else ""
    return f"- [{when}] {by}{_block(note.text)}{edited}"


def _covered_line(item: CheckItem) -> str:
    """The item, its value and the answer (or statement) that told it — never the question."""
    told = [item.value] if item.value else []
    told += [f"「{_oneline(item.evidence)}」"] if item.evidence else []
    return f"- {item.label}: {' '.join(told)}" if told else f"- {item.label}"


def _alert_line(alert: AlertEntry, titles: Mapping[str, str]) -> str:
    who = _who(alert.speaker, suffix="")
    line = f"- [{_clock(alert.start)}] 【{level_label(alert.level)}】{_oneline(alert.word)}"
    tags = [who] if who else []
    if alert.negated or alert.act in ("question", "hypothetical", "request"):
        tags.append(act_label(alert.act, negated=alert.negated))
    line += f"（{'・'.join(tags)}）" if tags else ""
    line += f"「{_oneline(alert.segment)}」"
    if alert.section in titles:  # a section id alone would be an English word: left out
        line += f" → マニュアル: {titles[alert.section]}"
    return line


def _acked(acks: Sequence[AckEntry], verb: str, none: str) -> str:
    if not acks:
        return none
    return "、".join(f"{_oneline(a.by) or '（不明）'}（{_clock(a.at)}）" for a in acks) + verb


def _help_line(entry: HelpEntry) -> str:
    reason = f": 「{_oneline(entry.reason)}」" if entry.reason else ""
    by = f"（{_oneline(entry.by)}）" if entry.by else ""
    acked = _acked(entry.acks, "が対応", "対応の記録なし")
    return f"- [{_clock(entry.at)}] 応援要請{by}{reason} → {acked}"


def _advice_line(entry: AdviceEntry) -> str:
    by = f"（{_oneline(entry.by)}）" if entry.by else ""
    acked = _acked(entry.acks, "が確認", "確認の記録なし")
    return f"- [{_clock(entry.at)}] 助言{by}: 「{_block(entry.text)}」 → {acked}"
