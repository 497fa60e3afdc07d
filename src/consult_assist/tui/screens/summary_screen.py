"""After the call: the server's record draft, to review before writing the record.

The app loads the record in a worker and calls :meth:`SummaryScreen.show_record` when it
comes, so the screen never waits on the network itself.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

__all__ = ["SummaryScreen"]


class SummaryScreen(Screen[None]):
    """After the call: the server's record draft, to review before writing the record."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "閉じる")]
    DEFAULT_CSS = """
    SummaryScreen > #status { height: 1; background: $boost; padding: 0 1; }
    SummaryScreen > VerticalScroll { border: round $accent; padding: 0 1; }
    """

    def __init__(self, session: str, status: str) -> None:
        super().__init__()
        self.session = session
        self._status = status
        self._record = ""

    def compose(self) -> ComposeResult:
        yield Static(self._status, id="status")
        with VerticalScroll() as box:
            box.border_title = "通話記録（下書き）"
            box.border_subtitle = "内容を確認してください"
            yield Markdown("記録を取得しています…", id="record")
        yield Footer()

    def show_record(self, text: str) -> None:
        """Show the record draft; before mount, it waits for mount."""
        self._record = text
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        for record in self.query("#record").results(Markdown):
            if self._record:
                record.update(self._record)

    def action_close(self) -> None:
        self.dismiss(None)
