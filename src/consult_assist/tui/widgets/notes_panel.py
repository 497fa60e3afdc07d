"""The notes of a call as they were sent (and edited): Enter on one edits it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from consult_assist.tui.callview import CallView
from consult_assist.tui.widgets.richtext import clean, fit

__all__ = ["NotesPanel"]


class NotesPanel(OptionList):
    """A call's notes, oldest first, each on one line; hidden while there are none.

    Enter on a note posts :class:`NotesPanel.Edit` while the record is open; once the record
    is closed the list says so and nothing can be edited.
    """

    DEFAULT_CSS = """
    NotesPanel { height: auto; max-height: 5; border: round $primary; }
    NotesPanel:focus { border: round $accent; }
    """

    @dataclass
    class Edit(Message):
        """The user asked to edit a note (``seq``: its first version)."""

        seq: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display = False
        self._record_final = False

    def show_view(self, view: CallView | None) -> None:
        """Show the notes of ``view`` (none: hidden)."""
        items = list(view.note_items.values()) if view else []
        self._record_final = bool(view and view.closed)
        self.display = bool(items)
        width = max(10, (self.scrollable_content_region.width or 76) - 2)
        keep = self.highlighted
        self.set_options(
            Option(self._prompt(i.text, i.by, i.edited, width), id=str(i.seq)) for i in items
        )
        if keep is not None and items:
            self.highlighted = min(keep, len(items) - 1)
        if self._record_final:
            self.border_title = f"送ったメモ {len(items)} 件（記録は確定済み）"
        else:
            self.border_title = f"送ったメモ {len(items)} 件 — ↑ で選んで Enter で修正"

    @staticmethod
    def _prompt(text: str, by: str, edited: bool, width: int) -> Text:
        out = Text(f"{clean(by)}: " if by else "", style="dim")
        mark = "（修正済み）" if edited else ""
        out.append(fit(text, width - out.cell_len - len(mark) * 2))
        out.append(mark, style="dim")
        return out

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None and not self._record_final:
            self.post_message(self.Edit(int(event.option.id)))
