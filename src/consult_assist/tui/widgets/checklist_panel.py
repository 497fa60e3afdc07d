"""The intake items of a call: told (聴取済み), only asked (質問済み), still to ask."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from consult_assist.events import CheckItem
from consult_assist.tui.widgets.richtext import clean

__all__ = ["ChecklistPanel"]


class ChecklistPanel(Static):
    """Intake items: told ones ticked with their value, asked ones marked, missing ones."""

    DEFAULT_CSS = """
    ChecklistPanel { border: round $primary; padding: 0 1; overflow-y: auto; }
    """

    BORDER_TITLE = "確認項目"

    def show_items(
        self,
        covered: Sequence[CheckItem],
        missing: Sequence[CheckItem],
        asked: Sequence[CheckItem] = (),
    ) -> None:
        total = len(covered) + len(missing) + len(asked)
        self.border_title = f"確認項目 {len(covered)}/{total}" if total else "確認項目"
        out = Text()
        for item in covered:
            out.append("✓ ", style="green")
            out.append(clean(item.label), style="green")
            out.append(f"：{clean(item.value)}\n" if item.value else "\n", style="bold green")
        for item in asked:
            # Asked, not yet answered: the handler should not read it as done.
            out.append("？ ", style="cyan")
            out.append(clean(item.label), style="cyan")
            out.append("（質問済み・未回答）\n", style="dim cyan")
        for item in missing:
            out.append("□ ", style="yellow")
            out.append(clean(item.label) + "\n")
        out.rstrip()
        self.update(out if total else Text("（まだありません）", style="dim"))
