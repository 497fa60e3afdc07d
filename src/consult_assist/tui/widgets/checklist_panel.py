"""The intake items of a call: which are covered, which are still to ask."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from consult_assist.events import CheckItem
from consult_assist.tui.widgets.richtext import clean

__all__ = ["ChecklistPanel"]


class ChecklistPanel(Static):
    """Intake items: covered ones ticked, missing ones still to ask."""

    DEFAULT_CSS = """
    ChecklistPanel { border: round $primary; padding: 0 1; overflow-y: auto; }
    """

    BORDER_TITLE = "確認項目"

    def show_items(self, covered: Sequence[CheckItem], missing: Sequence[CheckItem]) -> None:
        total = len(covered) + len(missing)
        self.border_title = f"確認項目 {len(covered)}/{total}" if total else "確認項目"
        out = Text()
        for item in covered:
            out.append("✓ ", style="green")
            out.append(clean(item.label) + "\n", style="green")
        for item in missing:
            out.append("□ ", style="yellow")
            out.append(clean(item.label) + "\n")
        out.rstrip()
        self.update(out if total else Text("（まだありません）", style="dim"))
