"""The sheet at one moment of a call: items with their state and evidence, tier, questions.

Plain data, built by :mod:`.assess`; :meth:`Assessment.to_json` is the ``--json`` shape of
``consult-assist risk``. No score and no probability anywhere (docs/risk.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass

from consult_assist.risk.asking import Question
from consult_assist.risk.backstop import Suspicion
from consult_assist.risk.spec import State

__all__ = ["Assessment", "Evidence", "ItemState"]


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """The words behind one mark: what was said, when, by whom, and for which sub-item."""

    subitem: str
    text: str
    at: float
    speaker: str
    act: str
    denies: bool = False
    matched: str = ""
    utterance: int | None = None


@dataclass(frozen=True, kw_only=True)
class ItemState:
    """One item of the sheet: its state, the sub-items that hold, and all its evidence."""

    id: str
    number: str
    label: str
    state: State
    subitems: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    conflicting: bool = False
    """該当, and denied later (or before): shown, and asked about again."""


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """The sheet at one moment of the call."""

    tier: str
    tier_label: str
    rules: tuple[str, ...]
    items: tuple[ItemState, ...]
    severe: tuple[str, ...] = ()
    next: tuple[Question, ...] = ()
    at: float = 0.0
    suspected: tuple[Suspicion, ...] = ()
    """Severe sub-items the rules did not tick but the second reader suspects: to confirm
    (要確認); they change no state and no tier."""

    def item(self, item_id: str) -> ItemState:
        """The item with ``item_id``."""
        return next(i for i in self.items if i.id == item_id)

    def to_json(self) -> dict[str, object]:
        """The ``--json`` shape: tier, items with state and evidence, next (extra keys too)."""
        return {
            "tier": self.tier,
            "tier_label": self.tier_label,
            "rules": list(self.rules),
            "severe": list(self.severe),
            "items": [
                {
                    "id": item.id,
                    "number": item.number,
                    "label": item.label,
                    "state": item.state,
                    "subitems": list(item.subitems),
                    "conflicting": item.conflicting,
                    "evidence": [
                        {
                            "text": e.text,
                            "at": round(e.at, 2),
                            "speaker": e.speaker,
                            "subitem": e.subitem,
                            "act": e.act,
                            "denies": e.denies,
                        }
                        for e in item.evidence
                    ],
                }
                for item in self.items
            ],
            "next": [q.to_json() for q in self.next],
            "suspected": [
                {
                    "subitem": s.subitem,
                    "text": s.text,
                    "words": list(s.words),
                    "at": round(s.at, 2),
                    "speaker": s.speaker,
                    "asked": s.asked,
                }
                for s in self.suspected
            ],
        }
