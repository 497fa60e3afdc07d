"""The call record's intake form and risk assessment, as Japanese Markdown lines.

The draft is laid out as the 虐待相談・通告受付票 a worker would otherwise type (受付日時,
通告者と続柄, 子どもの年齢・性別, 内容, 緊急度, 確認事項), filled from the checklist's slot
values and the last ``risk`` event; 未聴取 where nothing was said. Then the assessment itself:
each item with its state and the words behind it at [mm:ss], the tier and the rules that gave
it. Pure: a :class:`~consult_assist.hub.records.CallRecord` in, lines out.
"""

from __future__ import annotations

from collections.abc import Callable

from consult_assist.events import CheckItem, Risk, RiskItemState
from consult_assist.hub.records import CallRecord
from consult_assist.labels import heard_label, speaker_label

__all__ = ["UNHEARD", "intake_lines", "risk_lines"]

UNHEARD = "未聴取"
_UNKNOWN_SPEAKERS = frozenset({"", "unknown"})


def _item(record: CallRecord, item_id: str) -> CheckItem | None:
    return next((i for i in record.covered if i.id == item_id), None)


def _value(record: CallRecord, item_id: str) -> str:
    item = _item(record, item_id)
    if item is None:
        return UNHEARD
    return item.value or (f"「{_oneline(item.evidence)}」" if item.evidence else UNHEARD)


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def intake_lines(record: CallRecord, when: Callable[[CallRecord], str]) -> list[str]:
    """The 虐待相談・通告受付票 section (``when`` formats the call's date and time)."""
    risk = record.risk
    contact = _value(record, "reporter-contact")
    lines = [
        "## 虐待相談・通告受付票（下書き）",
        "",
        f"- 受付日時: {when(record)}",
        f"- 通告者と続柄: {_value(record, 'reporter-relation')}"
        + (f"（連絡先: {contact}）" if contact != UNHEARD else ""),
        f"- 子どもの年齢・性別: {_value(record, 'child-age')}",
        f"- 子どもの氏名: {_value(record, 'child-name')}",
        f"- 子どもの所在: {_value(record, 'child-location')}",
    ]
    told = [i for i in (risk.items if risk else ()) if i.state == "該当"]
    what = _item(record, "what-happened")
    lines.append("- 内容:" if told or what else f"- 内容: {UNHEARD}")
    if what is not None and what.evidence:
        lines.append(f"  - 「{_oneline(what.evidence)}」")
    for item in told:
        first = next((e for e in item.evidence if not e.denies), None)
        if first is not None:
            lines.append(
                f"  - {item.number}{item.label}: [{_clock(first.at)}]「{_oneline(first.text)}」"
            )
    if risk is None:
        lines.append(f"- 緊急度: {UNHEARD}（アセスメントの記録なし）")
    else:
        lines.append(f"- 緊急度: {risk.tier}（{', '.join(risk.rules)}）")
    asks = [q.ask for q in (risk.next if risk else ())]
    asks += [f"{i.label}（未確認）" for i in record.missing]
    lines.append("- 確認事項:" if asks else f"- 確認事項: {UNHEARD}")
    lines += [f"  - {ask}" for ask in dict.fromkeys(asks)]
    return lines


def _evidence_line(item: RiskItemState) -> list[str]:
    lines = []
    for e in item.evidence:
        who = "" if e.speaker in _UNKNOWN_SPEAKERS else speaker_label(e.speaker) + "、"
        denied = "否定・" if e.denies else ""
        box = e.label or e.subitem
        lines.append(f"  - [{_clock(e.at)}]（{who}{denied}{box}）「{_oneline(e.text)}」")
    return lines


def risk_lines(risk: Risk | None) -> list[str]:
    """The assessment sheet: tier, rules, each item with its state and evidence."""
    lines = ["## リスクアセスメント（一時保護決定に向けてのアセスメントシート）", ""]
    if risk is None:
        return [*lines, "（記録なし）"]
    lines.append(f"- 緊急度: {risk.tier}（{risk.tier_label or risk.tier}）")
    lines.append(f"- 根拠となったルール: {', '.join(risk.rules) or '（なし）'}")
    if risk.severe:
        lines.append(f"- 重大な兆候: {', '.join(risk.severe)}")
    for s in risk.suspected:
        heard = heard_label(s.words, s.text)
        lines.append(
            f"- 要確認（規則では未該当）: [{_clock(s.at)}] {s.label or s.subitem}の疑い"
            f"「{_oneline(heard)}」…「{_oneline(s.text)}」"
        )
    lines.append("")
    for item in risk.items:
        conflict = "（矛盾する発言あり・再確認）" if item.conflicting else ""
        lines.append(f"- {item.number} {item.label}: {item.state}{conflict}")
        lines += _evidence_line(item)
    lines += ["", "> 判定は検討の目安です。一時保護の決定は児童相談所長が行います。"]
    return lines
