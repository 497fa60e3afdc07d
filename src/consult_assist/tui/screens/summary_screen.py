"""After the call: the server's record draft, to review before writing the record.

The app loads the record in a worker and calls :meth:`SummaryScreen.show_record` when it
comes, so the screen never waits on the network itself. F12 asks the app to close the record
(:class:`SummaryScreen.CloseRecord`); the app confirms first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from consult_assist.tui.widgets.richtext import clean

__all__ = ["SummaryScreen"]


class SummaryScreen(Screen[None]):
    """After the call: the server's record draft, to review before writing the record."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "通話画面へ（メモの追加・修正）"),
        Binding("f9", "close", "閉じる", show=False),
        Binding("f12", "close_record", "記録を確定"),
    ]
    DEFAULT_CSS = """
    SummaryScreen > #status { height: 1; background: $boost; padding: 0 1; }
    SummaryScreen > VerticalScroll { border: round $accent; padding: 0 1; }
    """

    @dataclass
    class CloseRecord(Message):
        """The user asked to make this record final."""

        session: str

    def __init__(self, session: str, status: str, *, closed: bool = False) -> None:
        super().__init__()
        self.session = session
        self._status = status
        self._record = ""
        self._record_final = closed

    def compose(self) -> ComposeResult:
        yield Static(Text(self._status), id="status")
        with VerticalScroll() as box:
            box.border_title = "通話記録（下書き）"
            yield Markdown("記録を取得しています…", id="record")
        yield Footer()

    def show_record(self, text: str, *, closed: bool | None = None) -> None:
        """Show the record draft; before mount, it waits for mount."""
        self._record = clean(text, lines=True)  # the server's Markdown, minus terminal controls
        if closed is not None:
            self._record_final = closed
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        for box in self.query(VerticalScroll).results():
            box.border_subtitle = (
                "記録は確定済みです（メモの追加・修正はできません）"
                if self._record_final
                else "内容を確認してください ・ メモは通話画面で追加・修正（記録を確定するまで）"
            )
        for record in self.query("#record").results(Markdown):
            if self._record:
                record.update(self._record)

    def action_close_record(self) -> None:
        if self._record_final:
            self.app.notify("この記録はすでに確定済みです", markup=False)
            return
        self.post_message(self.CloseRecord(self.session))

    def action_close(self) -> None:
        self.dismiss(None)
