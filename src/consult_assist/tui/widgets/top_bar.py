"""The one-line bar on top of every screen: what is going on, and the server connection."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from consult_assist.tui.widgets.connection_bar import ConnectionBar

__all__ = ["TopBar"]


class TopBar(Horizontal):
    """A status line (``#call-status``) beside the :class:`ConnectionBar`."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $boost; }
    TopBar > #call-status { width: 1fr; padding: 0 1; text-style: bold; }
    """

    def __init__(self, status: str, connection: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._status = status
        self._connection = connection

    def compose(self) -> ComposeResult:
        yield Static(self._status, id="call-status")
        yield ConnectionBar(self._connection)
