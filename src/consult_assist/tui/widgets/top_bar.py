"""The one-line bar on top of every screen: what is going on, other calls, the connection."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from consult_assist.tui.widgets.connection_bar import ConnectionBar

__all__ = ["TopBar"]


class TopBar(Horizontal):
    """A status line (``#call-status``), the other calls (``#call-count``, hidden when there
    are none) and the :class:`ConnectionBar`."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $boost; }
    TopBar > #call-status { width: 1fr; padding: 0 1; text-style: bold; }
    TopBar > #call-count { width: auto; padding: 0 1; background: $primary 40%; }
    TopBar > #call-count.-alert { background: #c00000; color: #ffffff; text-style: bold; }
    """

    def __init__(self, status: str, connection: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._status = status
        self._connection = connection

    def compose(self) -> ComposeResult:
        yield Static(Text(self._status), id="call-status")
        count = Static("", id="call-count")
        count.display = False
        yield count
        yield ConnectionBar(Text(self._connection))

    def show_status(self, text: Text) -> None:
        """Replace the status line."""
        self.query_one("#call-status", Static).update(text)

    def show_count(self, text: str, *, alert: bool = False) -> None:
        """Say how many other calls there are ("" hides it); ``alert``: one of them needs you."""
        count = self.query_one("#call-count", Static)
        count.display = bool(text)
        count.set_class(alert, "-alert")
        count.update(Text(text))
