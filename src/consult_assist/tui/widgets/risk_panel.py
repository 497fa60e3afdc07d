"""The risk sheet of a call: the tier, each item with its state and evidence, what to ask."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from consult_assist.events import Risk
from consult_assist.labels import heard_label, speaker_label

__all__ = ["TIER_RANK", "TIER_SHORT", "RiskPanel", "risk_text", "tier_text"]

TIER_RANK: Mapping[str, int] = {
    "緊急一時保護を検討": 0,
    "一時保護を検討": 1,
    "集中的援助": 2,
    "在宅支援": 3,
}
"""The tiers, highest first (an unknown or absent tier sorts last)."""
TIER_SHORT: Mapping[str, str] = {
    "緊急一時保護を検討": "緊急保護",
    "一時保護を検討": "一時保護",
    "集中的援助": "集中援助",
    "在宅支援": "在宅支援",
}
"""Four-character forms for a table cell (the full wording is on the risk screen)."""
_TIER_STYLE: Mapping[str, str] = {
    "緊急一時保護を検討": "bold #ffffff on #c00000",
    "一時保護を検討": "bold #000000 on #ff8c00",
    "集中的援助": "#000000 on #ffd700",
    "在宅支援": "",
}
_STATE_STYLE: Mapping[str, str] = {"該当": "bold red", "非該当": "green", "未確認": "dim"}


def tier_text(tier: str | None, *, short: bool = False) -> Text:
    """The tier, coloured by how high it is ("" when there is no sheet yet)."""
    if not tier:
        return Text("")
    label = TIER_SHORT.get(tier, tier) if short else tier
    return Text(label, style=_TIER_STYLE.get(tier, ""))


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def risk_text(risk: Risk | None) -> Text:
    """The whole sheet as rich text: tier and rules, items with evidence, next questions."""
    if risk is None:
        return Text("（まだ判定材料がありません）", style="dim")
    out = Text()
    out.append("緊急度: ")
    out.append_text(tier_text(risk.tier))
    out.append(f"（{risk.tier_label or risk.tier}）\n")
    out.append(f"ルール: {', '.join(risk.rules)}\n", style="dim")
    for s in risk.suspected:
        heard = heard_label(s.words, s.text)
        out.append("要確認", style="bold black on yellow")
        out.append(f" {s.label or s.subitem}の疑い「{heard}」（まだ該当ではありません）\n")
        out.append(f"   [{_clock(s.at)}] 「{s.text}」\n", style="dim")
    for item in risk.items:
        out.append(f"{item.number} {item.label}: ")
        out.append(item.state, style=_STATE_STYLE.get(item.state, ""))
        if item.conflicting:
            out.append(" 矛盾あり・再確認", style="bold yellow")
        out.append("\n")
        shown: set[tuple[str, float, bool]] = set()
        for e in item.evidence:
            if (e.text, e.at, e.denies) in shown:
                continue  # one utterance behind two boxes of the item: shown once
            shown.add((e.text, e.at, e.denies))
            who = speaker_label(e.speaker) if e.speaker not in ("", "unknown") else "話者不明"
            mark = "否定 " if e.denies else ""
            style = "dim" if e.denies else ""
            out.append(f"   [{_clock(e.at)}] {who} {mark}「{e.text}」\n", style=style)
    if risk.next:
        out.append("次に聞くこと:\n", style="bold")
        for q in risk.next:
            out.append(f" ・{q.ask}\n")
            if q.manual:
                out.append(f"   （マニュアル: {q.manual[0]}）\n", style="dim")
    if risk.similar:
        out.append("似た過去の通話（参考）:\n", style="bold")
        for call in risk.similar:
            note = f"・メモ「{call.notes[0]}」" if call.notes else ""
            out.append(f" ・{call.date} {call.tier or '判定なし'}{note}\n")
    out.append("判定は検討の目安です（決定は児童相談所長）", style="dim italic")
    return out


class RiskPanel(Static):
    """The sheet of one call, redrawn whenever a new ``risk`` event arrives."""

    DEFAULT_CSS = """
    RiskPanel { padding: 0 1; }
    """

    def show_risk(self, risk: Risk | None) -> None:
        """Draw ``risk`` (None: no sheet yet)."""
        self.update(risk_text(risk))
