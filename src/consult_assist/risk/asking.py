"""What to ask next: the items still 未確認 that would raise the tier, highest gain first.

For each such item the tier is worked out as if it were 該当; the gain is how many tiers it
would climb. Items that are 該当 but were denied too (conflicting evidence) are asked about
again, after those. A severe cue puts the immediate-safety check first. The wording is the
risk sheet's ``ask`` and the 聞くこと lines of the manual sections the item names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consult_assist.risk.riskfile import RiskSheet
from consult_assist.risk.spec import ITEM_NUMBERS, ITEMS, State, tier_of, tier_rank

__all__ = ["SAFETY_ASK", "Question", "ask_lines", "next_questions"]

SAFETY_ASK = (
    "今、お子さんはどこにいて、誰と一緒ですか。けがや意識の状態はどうですか。（119番・110番を判断）"
)
_ASK_HEADING = "## 聞くこと"


@dataclass(frozen=True, kw_only=True)
class Question:
    """A prompt for the handler: which item, how to ask, and what it could change."""

    item: str
    ask: str
    raises_to: str = ""
    """The tier the call would reach were the item 該当 ("" when it would not rise)."""
    reason: str = ""
    manual: tuple[str, ...] = ()
    """聞くこと lines of the manual sections the item names."""

    def to_json(self) -> dict[str, object]:
        """The wire and ``--json`` shape."""
        return {
            "item": self.item,
            "ask": self.ask,
            "raises_to": self.raises_to,
            "reason": self.reason,
            "manual": list(self.manual),
        }


def ask_lines(body: str) -> tuple[str, ...]:
    """The bullet lines under ``## 聞くこと`` of a manual section's Markdown body."""
    lines: list[str] = []
    inside = False
    for line in body.splitlines():
        if line.startswith("## "):
            inside = line.strip() == _ASK_HEADING
            continue
        if inside and line.lstrip().startswith(("- ", "* ")):
            lines.append(line.lstrip()[2:].strip())
    return tuple(lines)


def next_questions(
    sheet: RiskSheet,
    states: Mapping[str, State],
    severe: bool,
    conflicting: Sequence[str] = (),
    manual: Mapping[str, Sequence[str]] | None = None,
    limit: int = 2,
) -> tuple[Question, ...]:
    """The prompts, in the order to ask them; ``manual``: section id -> its 聞くこと lines."""
    established = {item for item, state in states.items() if state == "該当"}
    now = tier_rank(tier_of(established, severe))
    ranked: list[tuple[int, int, Question]] = []
    for order, item in enumerate(ITEMS):
        if states.get(item, "未確認") != "未確認":
            continue
        rises = tier_of(established | {item}, severe)
        gain = now - tier_rank(rises)
        if gain <= 0:
            continue
        ranked.append((-gain, order, _question(sheet, item, rises, "", manual, limit)))
    asked = [q for _, _, q in sorted(ranked, key=lambda r: (r[0], r[1]))]
    for item in conflicting:
        asked.append(_question(sheet, item, "", "矛盾する発言があります", manual, limit))
    if severe:
        asked.insert(0, Question(item="", ask=SAFETY_ASK, reason="重大な兆候（即時の安全確認）"))
    return tuple(asked)


def _question(
    sheet: RiskSheet,
    item: str,
    rises: str,
    reason: str,
    manual: Mapping[str, Sequence[str]] | None,
    limit: int,
) -> Question:
    spec = sheet.item(item)
    lines: list[str] = []
    for section in spec.sections:
        lines.extend((manual or {}).get(section, ())[:limit])
    why = reason or f"{ITEM_NUMBERS[item]}{spec.label}が該当すれば「{rises}」"
    return Question(item=item, ask=spec.ask, raises_to=rises, reason=why, manual=tuple(lines))
