"""A whole manual section, opened from the suggestions.

The app loads the section in a worker and calls :meth:`SectionScreen.show_section` when it
comes, so the screen never waits on the network itself.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from consult_assist.hub.client import ManualSection
from consult_assist.tui.widgets.richtext import clean

__all__ = ["SectionScreen"]


class SectionScreen(ModalScreen[None]):
    """A whole manual section, opened from the suggestions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "閉じる"),
        Binding("q", "close", "閉じる", show=False),
    ]
    DEFAULT_CSS = """
    SectionScreen { align: center middle; }
    SectionScreen > VerticalScroll {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, section_id: str, title: str) -> None:
        super().__init__()
        self.section_id = section_id
        self._title = title
        self._body = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(self._title)  # from the manual: text, never markup
            box.border_subtitle = "Esc で閉じる"
            yield Markdown("読み込み中…", id="body")

    def show_section(self, section: ManualSection | None, error: str = "") -> None:
        """Show the section (or why it cannot be shown); before mount, it waits for mount."""
        if section is not None:
            # Markdown is the manual's own format; only what a terminal would act on goes.
            self._body = f"# {_escape(section.title)}\n\n{clean(section.body, lines=True)}"
        else:
            self._body = f"**{_escape(error)}**"
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        for body in self.query("#body").results(Markdown):
            if self._body:
                body.update(self._body)
            self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


def _escape(text: str) -> str:
    """A line of text for Markdown: the characters Markdown acts on, escaped."""
    return "".join("\\" + c if c in _MARKDOWN else c for c in " ".join(clean(text).split()))


_MARKDOWN = frozenset("\\`*_[]<>")
"""Characters that make Markdown inside a line (emphasis, code, links, HTML)."""
