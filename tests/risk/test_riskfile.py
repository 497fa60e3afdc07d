"""manuals/risk.toml is read and validated with file:line problems."""

from __future__ import annotations

from pathlib import Path

from consult_assist.risk.riskfile import check_risk_file, parse_risk
from consult_assist.risk.spec import ITEMS, SUBITEMS

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "manuals" / "risk.toml"


def test_the_checkout_risk_sheet_is_valid_and_complete() -> None:
    sheet, problems = check_risk_file(ROOT / "manuals")
    assert problems == []
    assert sheet is not None
    assert tuple(i.id for i in sheet.items) == ITEMS
    assert {s.id for s in sheet.subitems} == set(SUBITEMS)
    assert all(s.citation for s in sheet.subitems)
    assert "手引き" in sheet.source


def _broken(old: str, new: str) -> list[str]:
    text = FILE.read_text(encoding="utf-8")
    assert old in text
    _, problems = parse_risk(FILE, text.replace(old, new, 1), sections=None)
    return [f"{p.line}: {p.message}" for p in problems]


def _line_of(text: str) -> int:
    lines = FILE.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(text))


def test_a_wrong_severe_flag_is_reported_at_its_line() -> None:
    head = 'id = "strangling"\nlabel = "首絞め・口と鼻をふさぐ"\nitems = ["likely_serious_harm"]\n'
    line = _line_of('id = "strangling"') + 3
    problems = _broken(head + "severe = true", head + "severe = false")
    assert problems == [f"{line}: 'strangling' is severe in docs/risk.md §6"]


def test_a_sub_item_under_the_wrong_item_and_a_bad_regex_are_errors() -> None:
    problems = _broken('items = ["recurrence", "parent_factors"]', 'items = ["recurrence"]')
    assert any("items of 'parent_psychiatric_crisis' must be" in p for p in problems)
    problems = _broken('patterns = ["(?i)dv"', 'patterns = ["((?i)dv"')
    assert any("invalid regex" in p for p in problems)


def test_unknown_keys_speakers_and_sections_are_reported() -> None:
    assert any("unknown key 'cue'" in p for p in _broken("\ncues = [", "\ncue = ["))
    assert any("speaker must be" in p for p in _broken('subject = "child"', 'speaker = "handler"'))
    text = FILE.read_text(encoding="utf-8")
    _, problems = parse_risk(FILE, text, sections={"abuse-physical"})
    assert any("section 'urgent-110-119' does not exist" in p.message for p in problems)


def test_a_missing_file_is_no_problem_and_a_missing_sub_item_is(tmp_path: Path) -> None:
    assert check_risk_file(tmp_path) == (None, [])
    problems = _broken('id = "burn"', 'id = "burnt"')
    assert any("unknown sub-item id 'burnt'" in p for p in problems)
    assert any("sub-item 'burn' is missing" in p for p in problems)


def test_the_thoughts_flag_is_read_and_must_be_a_flag() -> None:
    sheet, _ = check_risk_file(ROOT / "manuals")
    assert sheet is not None
    thoughts = {s.id for s in sheet.subitems if s.thoughts}
    assert thoughts == {"child_suicidal", "parent_might_kill"}
    problems = _broken("thoughts = true", 'thoughts = "yes"')
    assert any("thoughts" in p for p in problems)


def test_the_feeling_flag_is_read_and_must_be_a_flag() -> None:
    sheet, _ = check_risk_file(ROOT / "manuals")
    assert sheet is not None
    assert {s.id for s in sheet.subitems if s.feeling} == {"child_fears_parent"}
    problems = _broken("feeling = true", 'feeling = "yes"')
    assert any("feeling" in p for p in problems)


def test_except_patterns_are_read_and_must_be_valid_regexes() -> None:
    sheet, _ = check_risk_file(ROOT / "manuals")
    assert sheet is not None
    burn = next(s for s in sheet.subitems if s.id == "burn")
    assert burn.except_patterns
    problems = _broken("except_patterns = [", 'except_patterns = ["(unclosed", ')
    assert any("except_patterns: invalid regex" in p for p in problems)
