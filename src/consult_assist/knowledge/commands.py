"""The knowledge engine's command-line commands, as functions the CLI calls.

Each takes its options and an output stream and returns the exit status; errors the user can
fix are raised as :class:`~consult_assist.errors.ManualError` for the CLI to print.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from consult_assist.knowledge.engine import KnowledgeEngine
from consult_assist.knowledge.manual import check_manual, load_manual

__all__ = ["lookup_command", "manuals_check_command"]


def lookup_command(text: str, *, manuals: Path, top: int, as_json: bool, out: TextIO) -> int:
    """``consult-assist lookup TEXT``: print the ranked sections for ``text``."""
    engine = KnowledgeEngine(load_manual(manuals))
    items = engine.lookup(text, top_k=max(top, 1))
    if as_json:
        payload = {
            "query": text,
            "items": [
                {
                    "id": i.id,
                    "title": i.title,
                    "score": i.score,
                    "matched": list(i.matched),
                    "excerpt": i.excerpt,
                }
                for i in items
            ],
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not items:
        out.write("No section matches.\n")
        return 0
    for rank, item in enumerate(items, 1):
        out.write(f"{rank}. {item.id}  {item.title}  (score {item.score:.3f})\n")
        if item.matched:
            out.write(f"   matched: {', '.join(item.matched)}\n")
        if item.excerpt:
            out.write(f"   {item.excerpt}\n")
    return 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def manuals_check_command(manuals: Path, out: TextIO) -> int:
    """``consult-assist manuals check``: print every problem as ``file:line: message``.

    Exit status 1 when there is any error (warnings alone give 0).
    """
    manual, problems = check_manual(manuals)
    for problem in problems:
        tag = "warning: " if problem.severity == "warning" else ""
        out.write(f"{_shown(problem.path)}:{problem.line}: {tag}{problem.message}\n")
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if errors:
        out.write(f"{errors} error(s), {warnings} warning(s) in {_shown(manuals)}\n")
        return 1
    out.write(
        f"{_shown(manuals)}: OK — {len(manual.sections)} sections, "
        f"{len(manual.attention_words)} attention words, {len(manual.checklist)} checklist "
        f"items ({warnings} warning(s))\n"
    )
    return 0
