"""Loading and validating the manual folder: every error case reports file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from consult_assist.errors import ManualError
from consult_assist.knowledge.manual import (
    InvalidManualError,
    Manual,
    Problem,
    check_manual,
    load_manual,
)

GOOD_SECTION = """+++
id = "{id}"
title = "題名"
category = "受付の基本"
keywords = ["a1", "a2", "a3", "a4", "a5"]
paraphrases = ["p1", "p2", "p3", "p4", "p5", "p6"]
+++
## 概要
本文です。
"""


def copy_manual(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def errors(root: Path) -> list[Problem]:
    return [p for p in check_manual(root)[1] if p.severity == "error"]


def write_section(root: Path, name: str, text: str) -> Path:
    path = root / "sections" / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_manual_loads(manual: Manual) -> None:
    assert {s.id for s in manual.sections} >= {"neglect", "abuse-physical", "line-189"}
    neglect = manual.section("neglect")
    assert neglect.title == "ネグレクト（育児放棄）"
    assert neglect.excerpt.startswith("食事を与えない")
    assert "同じ服" in neglect.keywords
    assert manual.attention_words[0].forms[0] == "死にたい"
    assert manual.checklist[0].patterns


def test_unknown_section_is_a_manual_error(manual: Manual) -> None:
    with pytest.raises(ManualError):
        manual.section("no-such-id")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("本文だけ\n", 1, "missing front matter"),
        ('+++\nid = "x"\n', 1, "unterminated front matter"),
        ('+++\nid = "x"\ntitle = "t\n+++\n本文\n', 3, "TOML error"),
        (GOOD_SECTION.replace('title = "題名"\n', ""), 1, "missing required key 'title'"),
        (GOOD_SECTION.replace('["a1", "a2", "a3", "a4", "a5"]', '"a1"'), 5, "keywords must be"),
        (GOOD_SECTION.replace("+++\n## 概要\n本文です。\n", "+++\n\n"), 7, "empty body"),
        (
            GOOD_SECTION.replace('category = "受付の基本"', 'category = "受付の基本"\ncolor = 1'),
            5,
            "unknown key 'color'",
        ),
        (
            GOOD_SECTION.replace("+++\n## 概要", 'related = ["nowhere"]\n+++\n## 概要'),
            7,
            "related id 'nowhere'",
        ),
    ],
)
def test_section_errors_have_file_and_line(
    manual_dir: Path, tmp_path: Path, text: str, line: int, message: str
) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    path = write_section(root, "x", text.replace("{id}", "x"))
    found = [p for p in errors(root) if p.path == path]
    assert found, f"no problem reported for {message!r}"
    assert any(message in p.message and p.line == line for p in found), found


def test_id_must_match_file_name(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    path = write_section(root, "wrong-name", GOOD_SECTION.replace("{id}", "right-name"))
    [problem] = [p for p in errors(root) if p.path == path]
    assert problem.line == 2
    assert "does not match the file name" in problem.message


def test_duplicate_id_is_reported(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    source = (root / "sections" / "neglect.md").read_text(encoding="utf-8")
    path = write_section(root, "neglect-copy", source)
    found = {p.message.split(" ")[0] for p in errors(root) if p.path == path and p.line == 2}
    assert found == {"id", "duplicate"}


def test_attention_word_errors(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    path = root / "attention_words.toml"
    path.write_text(
        '[[word]]\nword = "死にたい"\nlevel = "urgent"\n\n'
        '[[word]]\nword = "殴る"\nlevel = "high"\nsection = "nowhere"\n\n'
        '[[word]]\nword = "殴る"\nlevel = "high"\n',
        encoding="utf-8",
    )
    found = {(p.line, p.message.split(" ")[0]) for p in errors(root) if p.path == path}
    assert (3, "level") in found
    assert (8, "section") in found
    assert (11, "duplicate") in found


def test_toml_syntax_error_points_at_its_line(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    path = root / "checklist.toml"
    path.write_text('[[item]]\nid = "a"\nlabel = "b\ncues = []\n', encoding="utf-8")
    [problem] = [p for p in errors(root) if p.path == path]
    assert problem.line == 3
    assert problem.message.startswith("TOML error")


def test_checklist_bad_regex_and_id(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    path = root / "checklist.toml"
    path.write_text(
        '[[item]]\nid = "Bad Id"\nlabel = "x"\ncues = ["a"]\n\n'
        '[[item]]\nid = "ok"\nlabel = "x"\ncues = ["a"]\npatterns = ["(unclosed"]\n',
        encoding="utf-8",
    )
    found = {(p.line, p.message.split(" ")[0]) for p in errors(root) if p.path == path}
    assert (2, "id") in found
    assert (10, "patterns:") in found


def test_missing_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "sections").mkdir()
    names = {p.path.name for p in errors(tmp_path)}
    assert names == {"attention_words.toml", "checklist.toml", "sections"}  # and no section


def test_missing_folder(tmp_path: Path) -> None:
    [problem] = errors(tmp_path / "nowhere")
    assert "does not exist" in problem.message


def test_guidelines_are_warnings_only(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    write_section(root, "short", GOOD_SECTION.replace("{id}", "short").replace('"a5"]', '"a5",]'))
    warnings = [p for p in check_manual(root)[1] if p.severity == "warning"]
    assert any("body has" in p.message for p in warnings)
    assert str(warnings[0]).split(":")[2].strip().startswith("warning")
    load_manual(root)  # warnings do not stop loading


def test_load_manual_raises_with_every_problem(manual_dir: Path, tmp_path: Path) -> None:
    root = copy_manual(manual_dir, tmp_path / "manual")
    write_section(root, "x", "no front matter\n")
    with pytest.raises(InvalidManualError) as caught:
        load_manual(root)
    assert isinstance(caught.value, ManualError)
    assert any(p.path.name == "x.md" for p in caught.value.problems)
    assert "manuals check" in str(caught.value)


def test_problem_prints_as_file_line_message() -> None:
    assert str(Problem(Path("m/a.md"), 3, "bad")) == "m/a.md:3: bad"
