"""The rule table: each rule R0–R8 gives its tier, in order, and agrees with docs/risk.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult_assist.risk.spec import ITEM_NUMBERS, RULES, SUBITEMS, TIERS, fired, tier_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "risk.md"


def _block() -> list[list[str]]:
    found = re.search(r"^```risk-ids\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert found is not None
    return [line.split() for line in found.group(1).splitlines() if line.strip()]


def test_items_subitems_tiers_and_rules_are_those_of_the_documented_block() -> None:
    block = _block()
    assert {w[1]: w[2] for w in block if w[0] == "item"} == dict(ITEM_NUMBERS)
    documented = {
        w[1]: (tuple(w[2].split(",")), len(w) == 4 and w[3] == "severe")
        for w in block
        if w[0] == "subitem"
    }
    assert documented == dict(SUBITEMS)
    assert tuple(w[1] for w in block if w[0] == "tier") == TIERS
    rules = [(w[1], w[2], w[3]) for w in block if w[0] == "rule"]
    assert [(r[0], r[1]) for r in rules] == [(r.id, r.tier) for r in RULES]
    for (_, _, condition), rule in zip(rules, RULES, strict=True):
        if condition == "severe":
            assert rule.severe
        elif condition == "*":
            assert rule.always
        elif "+" in condition:
            assert rule.all_of == tuple(condition.split("+"))
        else:
            assert rule.any_of == tuple(condition.split("|"))


@pytest.mark.parametrize(
    ("established", "severe", "tier", "first"),
    [
        (set(), True, "緊急一時保護を検討", "R0"),
        ({"serious_harm"}, False, "緊急一時保護を検討", "R1"),
        ({"urgent_situation"}, False, "緊急一時保護を検討", "R2"),
        ({"protection_request"}, False, "一時保護を検討", "R3"),
        ({"likely_serious_harm", "recurrence"}, False, "一時保護を検討", "R4"),
        ({"child_signs"}, False, "集中的援助", "R5"),
        ({"parent_factors", "environment"}, False, "集中的援助", "R5"),
        ({"likely_serious_harm"}, False, "集中的援助", "R6"),
        ({"recurrence"}, False, "集中的援助", "R6"),
        ({"environment"}, False, "在宅支援", "R7"),
        (set(), False, "在宅支援", "R8"),
    ],
)
def test_each_rule_gives_its_tier_as_the_first_that_holds(
    established: set[str], severe: bool, tier: str, first: str
) -> None:
    assert tier_of(established, severe) == tier
    assert fired(established, severe)[0] == first


def test_protection_asked_for_without_an_imminent_situation_is_not_urgent() -> None:
    # The chart: ① without ② continues downwards; our floor R3 stops it at 一時保護を検討.
    assert tier_of({"protection_request", "environment"}, False) == "一時保護を検討"


def test_every_rule_that_holds_is_listed_and_r8_only_alone() -> None:
    assert fired({"serious_harm", "recurrence", "environment"}, False) == ("R1", "R6", "R7")
    assert "R8" not in fired({"environment"}, False)
