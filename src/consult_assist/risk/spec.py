"""The sheet's items, sub-items, tiers and tier rules, exactly as docs/risk.md §6 defines them.

No probability and no score anywhere: an item is 該当, 非該当 or 未確認, and the tier is the
first rule (R0 to R8) whose condition holds over the items in state 該当.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ITEMS",
    "ITEM_NUMBERS",
    "RULES",
    "STATES",
    "SUBITEMS",
    "TIERS",
    "TIER_WORDING",
    "Rule",
    "State",
    "fired",
    "tier_of",
    "tier_rank",
]

State = Literal["該当", "非該当", "未確認"]
STATES: tuple[State, ...] = ("該当", "非該当", "未確認")

ITEM_NUMBERS: Mapping[str, str] = {
    "protection_request": "①",
    "urgent_situation": "②",
    "serious_harm": "③",
    "likely_serious_harm": "④",
    "recurrence": "⑤",
    "child_signs": "⑥",
    "parent_factors": "⑦",
    "environment": "⑧",
}
ITEMS: tuple[str, ...] = tuple(ITEM_NUMBERS)

# Sub-item -> (items it establishes, severe).
SUBITEMS: Mapping[str, tuple[tuple[str, ...], bool]] = {
    "child_requests_protection": (("protection_request",), False),
    "parent_requests_protection": (("protection_request",), False),
    "sexual_abuse_suspected": (("urgent_situation",), False),
    "parent_might_kill": (("urgent_situation",), False),
    "child_suicidal": (("urgent_situation", "child_signs"), True),
    "sexual_abuse_contact": (("serious_harm",), False),
    "serious_injury": (("serious_harm",), False),
    "burn": (("serious_harm",), False),
    "severe_neglect": (("serious_harm",), False),
    "unconscious": (("serious_harm",), True),
    "infant_or_vulnerable_child": (("likely_serious_harm",), False),
    "head_face_blow": (("likely_serious_harm",), False),
    "strangling": (("likely_serious_harm",), True),
    "shaking_infant": (("likely_serious_harm",), False),
    "drowning": (("likely_serious_harm",), True),
    "left_outside": (("likely_serious_harm",), False),
    "no_adult_at_home": (("likely_serious_harm",), False),
    "sexual_abuse_noncontact": (("likely_serious_harm",), False),
    "old_and_new_injuries": (("recurrence",), False),
    "prior_reports_or_protection": (("recurrence",), False),
    "parent_denies_abuse": (("recurrence",), False),
    "habitual_abuse": (("recurrence",), False),
    "parent_psychiatric_crisis": (("recurrence", "parent_factors"), False),
    "child_fears_parent": (("child_signs",), False),
    "child_withdrawn": (("child_signs",), False),
    "child_physical_symptoms": (("child_signs",), False),
    "parent_rejects_child": (("parent_factors",), False),
    "parent_substance_use": (("parent_factors",), False),
    "parent_impulsive_aggressive": (("parent_factors",), False),
    "parenting_exhaustion": (("parent_factors",), False),
    "domestic_violence": (("environment",), False),
    "economic_hardship": (("environment",), False),
    "social_isolation": (("environment",), False),
    "child_care_difficulty": (("environment",), False),
    "unstable_household": (("environment",), False),
}

TIERS: tuple[str, ...] = ("緊急一時保護を検討", "一時保護を検討", "集中的援助", "在宅支援")
"""Highest first."""

TIER_WORDING: Mapping[str, str] = {
    "緊急一時保護を検討": "緊急一時保護を検討",
    "一時保護を検討": "発生前の一時保護を検討",
    "集中的援助": "集中的な援助、場合によっては一時保護を検討",
    "在宅支援": "継続的・総合的な援助、場合によっては一時保護を検討",
}
"""The flowchart's own outcome wording, shown in the apps (the tier ids are identifiers)."""


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: ``all_of`` items must be 該当, or one of ``any_of``."""

    id: str
    tier: str
    severe: bool = False
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    always: bool = False

    def holds(self, established: Collection[str], severe: bool) -> bool:
        """Whether the rule's condition holds for the items in state 該当."""
        if self.always:
            return True
        if self.severe:
            return severe
        if self.all_of:
            return all(item in established for item in self.all_of)
        return any(item in established for item in self.any_of)


RULES: tuple[Rule, ...] = (
    Rule("R0", "緊急一時保護を検討", severe=True),
    Rule("R1", "緊急一時保護を検討", any_of=("serious_harm",)),
    Rule("R2", "緊急一時保護を検討", any_of=("urgent_situation",)),
    Rule("R3", "一時保護を検討", any_of=("protection_request",)),
    Rule("R4", "一時保護を検討", all_of=("likely_serious_harm", "recurrence")),
    Rule("R5", "集中的援助", any_of=("child_signs", "parent_factors")),
    Rule("R6", "集中的援助", any_of=("likely_serious_harm", "recurrence")),
    Rule("R7", "在宅支援", any_of=("environment",)),
    Rule("R8", "在宅支援", always=True),
)


def fired(established: Collection[str], severe: bool) -> tuple[str, ...]:
    """The ids of every rule that holds, in table order (R8 only when nothing else does)."""
    held = [r.id for r in RULES if not r.always and r.holds(established, severe)]
    return tuple(held) if held else ("R8",)


def tier_of(established: Collection[str], severe: bool) -> str:
    """The tier of the first rule that holds."""
    return next(r.tier for r in RULES if r.holds(established, severe))


def tier_rank(tier: str) -> int:
    """0 for the highest tier, 3 for 在宅支援."""
    return TIERS.index(tier)
