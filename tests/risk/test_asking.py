"""What to ask next: unknown items that would raise the tier, highest gain first."""

from __future__ import annotations

from collections.abc import Callable

from consult_assist.risk.asking import ask_lines, next_questions
from consult_assist.risk.model import RiskModel
from consult_assist.risk.sheet import Assessment


def test_nothing_known_asks_first_for_what_would_make_the_call_urgent(model: RiskModel) -> None:
    asked = next_questions(model.matcher.sheet, {}, severe=False)
    assert [q.item for q in asked[:3]] == ["urgent_situation", "serious_harm", "protection_request"]
    assert asked[0].raises_to == "緊急一時保護を検討"
    assert "environment" not in [q.item for q in asked]  # ⑧ cannot raise 在宅支援


def test_with_four_known_five_is_asked_before_the_lesser_items(model: RiskModel) -> None:
    asked = next_questions(model.matcher.sheet, {"likely_serious_harm": "該当"}, severe=False)
    items = [q.item for q in asked]
    assert (
        items.index("recurrence") < items.index("child_signs") if "child_signs" in items else True
    )
    assert "recurrence" in items and "child_signs" not in items  # ⑥ would not raise 集中的援助


def test_items_already_denied_are_not_asked_again(model: RiskModel) -> None:
    asked = next_questions(model.matcher.sheet, {"urgent_situation": "非該当"}, severe=False)
    assert "urgent_situation" not in [q.item for q in asked]


def test_the_questions_carry_the_manuals_ask_lines(
    model: RiskModel, sheet_of: Callable[..., Assessment]
) -> None:
    body = "## 概要\n- x\n## 聞くこと\n- けがの場所\n- いつから\n## 伝えること\n- y\n"
    assert ask_lines(body) == ("けがの場所", "いつから")
    asked = model.assessor().assessment().next
    assert any(q.manual for q in asked)
