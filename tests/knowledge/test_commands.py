"""The lookup and manuals-check commands."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from consult_assist.knowledge.commands import lookup_command, manuals_check_command


def test_lookup_text(manual_dir: Path) -> None:
    out = io.StringIO()
    code = lookup_command(
        "いつも同じ服で臭いがする", manuals=manual_dir, top=2, as_json=False, out=out
    )
    lines = out.getvalue().splitlines()
    assert code == 0
    assert lines[0].startswith("1. neglect  ネグレクト（育児放棄）  (score ")
    assert lines[1].startswith("   matched: 同じ服")


def test_lookup_json(manual_dir: Path) -> None:
    out = io.StringIO()
    assert lookup_command("泣き声", manuals=manual_dir, top=3, as_json=True, out=out) == 0
    payload = json.loads(out.getvalue())
    assert payload["query"] == "泣き声"
    first = payload["items"][0]
    assert set(first) == {"id", "title", "score", "matched", "excerpt"}
    assert first["id"] == "neighbour-crying"


def test_manuals_check_ok(manual_dir: Path) -> None:
    out = io.StringIO()
    assert manuals_check_command(manual_dir, out) == 0
    assert "OK — 5 sections" in out.getvalue()


def test_manuals_check_prints_file_line_message(manual_dir: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(manual_dir, tmp_path / "manual"))
    (root / "sections" / "neglect.md").write_text("no front matter\n", encoding="utf-8")
    out = io.StringIO()
    assert manuals_check_command(root, out) == 1
    lines = out.getvalue().splitlines()
    assert any(
        line.endswith("sections/neglect.md:1: missing front matter: the first line must be '+++'")
        for line in lines
    )
    assert lines[-1].startswith("1 error(s)") or "error(s)" in lines[-1]
