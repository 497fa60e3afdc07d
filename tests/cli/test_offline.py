"""``lookup``, ``manuals check`` and ``models install|list``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from consult_assist.cli import main
from consult_assist.cli.offline import LookupOptions, lookup, manuals_check


def test_lookup_text(manual_dir: Path) -> None:
    out = io.StringIO()
    code = lookup(LookupOptions(text="いつも同じ服で臭いがする", manuals=manual_dir, top=2), out)
    lines = out.getvalue().splitlines()
    assert code == 0
    assert lines[0].startswith("1. neglect  ネグレクト（育児放棄）  (score ")
    assert lines[1].startswith("   matched: 同じ服")


def test_lookup_of_text_that_matches_nothing_says_so(manual_dir: Path) -> None:
    out = io.StringIO()
    assert lookup(LookupOptions(text="hello world", manuals=manual_dir), out) == 0
    assert out.getvalue().startswith("No manual section matches this text")
    out = io.StringIO()
    assert lookup(LookupOptions(text="hello world", manuals=manual_dir, as_json=True), out) == 0
    assert json.loads(out.getvalue())["items"] == []


def test_lookup_json(manual_dir: Path) -> None:
    out = io.StringIO()
    assert lookup(LookupOptions(text="泣き声", manuals=manual_dir, top=3, as_json=True), out) == 0
    payload = json.loads(out.getvalue())
    assert payload["query"] == "泣き声"
    first = payload["items"][0]
    assert set(first) == {"id", "title", "score", "matched", "excerpt"}
    assert first["id"] == "neighbour-crying"


def test_manuals_check_ok(manual_dir: Path) -> None:
    out = io.StringIO()
    assert manuals_check(manual_dir, out) == 0
    assert "OK — 5 sections" in out.getvalue()


def test_manuals_check_prints_file_line_message(manual_dir: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(manual_dir, tmp_path / "manual"))
    (root / "sections" / "neglect.md").write_text("no front matter\n", encoding="utf-8")
    out = io.StringIO()
    assert manuals_check(root, out) == 1
    lines = out.getvalue().splitlines()
    assert any(
        line.endswith("sections/neglect.md:1: missing front matter: the first line must be '+++'")
        for line in lines
    )
    assert lines[-1].startswith("1 error(s)") or "error(s)" in lines[-1]


def test_lookup_from_the_command_line(manual_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lookup", "泣き声", "--manuals", str(manual_dir), "--top", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in payload["items"]] == ["neighbour-crying"]


def test_manuals_check_exit_status_from_the_command_line(
    manual_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manuals", "check", str(manual_dir)]) == 0
    broken = Path(shutil.copytree(manual_dir, tmp_path / "manual"))
    (broken / "sections" / "neglect.md").write_text("no front matter\n", encoding="utf-8")
    assert main(["manuals", "check", str(broken)]) == 1
    assert "missing front matter" in capsys.readouterr().out


def test_models_install_and_list(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "consult_assist.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run("models", "install", "--models-dir", str(tmp_path)).returncode == 0
    listed = run("models", "list", "--models-dir", str(tmp_path))
    assert "whisper-base" in listed.stdout and "verified" in listed.stdout


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("attention_words.toml", "", "no attention word: the server would never alert"),
        ("attention_words.toml", " \n\t\n", "no attention word: the server would never alert"),
        ("checklist.toml", "", "empty: no checklist item"),
        ("checklist.toml", "\n   \n", "empty: no checklist item"),
        ("sections/neglect.md", "", "missing front matter"),
        ("sections/neglect.md", "  \n\n", "missing front matter"),
    ],
)
def test_manuals_check_fails_on_empty_and_blank_files(
    manual_dir: Path, tmp_path: Path, file: str, content: str, message: str
) -> None:
    root = Path(shutil.copytree(manual_dir, tmp_path / "manual"))
    (root / file).write_text(content, encoding="utf-8")
    out = io.StringIO()
    assert manuals_check(root, out) == 1
    assert any(f"{file}:1: {message}" in line for line in out.getvalue().splitlines())


def test_manuals_check_fails_on_a_folder_without_sections(manual_dir: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(manual_dir, tmp_path / "manual"))
    for path in (root / "sections").glob("*.md"):
        path.unlink()
    out = io.StringIO()
    assert manuals_check(root, out) == 1
    assert "no section: one <id>.md file per section" in out.getvalue()
