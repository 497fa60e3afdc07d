"""Ranked manual sections for what is being said, calm while the user reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from consult_assist.events import SuggestionItem
from consult_assist.tui.callview import calm_order
from consult_assist.tui.widgets.richtext import fit, highlight

__all__ = ["SuggestionList"]


class SuggestionList(OptionList):
    """Ranked manual sections; rows keep their place, and nothing moves while it has focus."""

    DEFAULT_CSS = """
    SuggestionList { border: round $primary; }
    SuggestionList:focus { border: round $accent; }
    """

    BORDER_TITLE = "参考マニュアル"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "apply_pending", "候補を更新", show=False)
    ]

    @dataclass
    class Open(Message):
        """The user asked to read a whole section."""

        section_id: str

    def __init__(self, *, limit: int = 5, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit
        self._shown: list[str] = []
        self._pending: tuple[SuggestionItem, ...] | None = None
        self._call: str | None = None

    def show_items(self, items: Sequence[SuggestionItem], *, call: str | None = None) -> None:
        """Show a new list, or hold it while the user is reading this one.

        A list for another call than the one shown replaces it at once, rows and all: the
        previous call's sections must never linger into the next call.
        """
        if call != self._call:
            self._call = call
            self._shown = []
            self._apply(items)
            return
        if self.has_focus and self._shown:
            self._pending = tuple(items)
            self.border_subtitle = "新しい候補あり — r で更新"
            return
        self._apply(items)

    def action_apply_pending(self) -> None:
        if self._pending is not None:
            self._apply(self._pending)

    def on_blur(self) -> None:
        self.action_apply_pending()

    def _apply(self, items: Sequence[SuggestionItem]) -> None:
        self._pending = None
        self.border_subtitle = ""
        ordered = calm_order(self._shown, items, self.limit)
        keep = self.highlighted_option.id if self.highlighted_option else None
        self._shown = [item.id for item in ordered]
        self.set_options([Option(self._prompt(item), id=item.id) for item in ordered])
        if keep in self._shown:
            self.highlighted = self._shown.index(keep)
        if not ordered:
            self.set_options([Option("（該当するマニュアルはまだありません）", disabled=True)])

    def _prompt(self, item: SuggestionItem) -> Text:
        marks = [(w, "bold underline yellow") for w in item.matched]
        out = highlight(item.title, marks, base="bold")
        if item.excerpt:
            out.append("\n")
            # Two lines of the list's width at most: the title stays the thing one scans.
            room = max(20, 2 * (self.scrollable_content_region.width or 30) - 8)
            out.append_text(highlight(fit(item.excerpt, room), marks, base="dim"))
        return out

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Open(event.option.id))
