"""A dialog that asks before something that cannot be undone (ending a call, closing a record)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[str | None]):
    """Ask a question with a few answers: Enter on one gives its key, Esc gives None.

    The first answer is highlighted, so put the harmless one first: a stray Enter must not do
    what cannot be undone.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $warning; padding: 0 1;
        background: $surface;
    }
    ConfirmScreen #message { margin-bottom: 1; }
    ConfirmScreen OptionList { height: auto; }
    """

    def __init__(self, title: str, message: str, answers: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._title, self._message, self._answers = title, message, tuple(answers)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            box.border_subtitle = Text("↑↓ で選んで Enter ・ Esc で取消")
            yield Static(Text(self._message), id="message")
            yield OptionList(*(Option(Text(label), id=key) for key, label in self._answers))

    def on_mount(self) -> None:
        answers = self.query_one(OptionList)
        answers.highlighted = 0
        answers.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
