"""A dialog asking for one line of text (a help reason, a piece of advice, a note's edit)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

__all__ = ["LineInputScreen"]


class LineInputScreen(ModalScreen[str | None]):
    """Ask for one line of text: Enter gives it (empty is allowed), Esc gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]
    DEFAULT_CSS = """
    LineInputScreen { align: center middle; }
    LineInputScreen > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $accent; padding: 0 1;
        background: $surface;
    }
    LineInputScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, hint: str, *, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._placeholder = title, hint, placeholder
        self._value = value

    def compose(self) -> ComposeResult:
        # The title may hold a name (助言 — 佐藤 さんへ): text, never markup.
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield Static(Text(self._hint), classes="hint")
            yield Input(value=self._value, placeholder=self._placeholder, id="line")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
