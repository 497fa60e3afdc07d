"""The keys of the screen in use, in Japanese (F1 or ?), and anything else worth knowing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen"]


class HelpScreen(ModalScreen[None]):
    """A table of keys and what they do; ``extra`` lines below it (e.g. the demo's command).

    With ``copy`` set, ``c`` copies it to the clipboard (the terminal's, through OSC 52).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "閉じる"),
        Binding("f1", "close", "閉じる", show=False),
        Binding("question_mark", "close", "閉じる", show=False),
        Binding("c", "copy", "コピー", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    HelpScreen #extra { margin-top: 1; }
    """

    def __init__(
        self,
        title: str,
        keys: Sequence[tuple[str, str]],
        *,
        extra: str = "",
        copy: str = "",
    ) -> None:
        super().__init__()
        self._title, self._keys, self._extra, self._copy = title, tuple(keys), extra, copy

    def compose(self) -> ComposeResult:
        table = Table(show_header=True, box=None, expand=True, padding=(0, 2, 0, 0))
        table.add_column("キー", style="bold", no_wrap=True)
        table.add_column("はたらき")
        for key, what in self._keys:
            table.add_row(Text(key), Text(what))
        with VerticalScroll() as box:
            box.border_title = Text(self._title)
            close = "Esc / F1 で閉じる" + (" ・ c でコピー" if self._copy else "")
            box.border_subtitle = Text(close)
            yield Static(table, id="keys")
            if self._extra:
                yield Static(Text(self._extra), id="extra")

    def action_copy(self) -> None:
        if self._copy:
            self.app.copy_to_clipboard(self._copy)
            self.app.notify("コピーしました（端末が対応していれば貼り付けられます）", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
