"""Who we are and whether the server connection is up, in one line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from consult_assist.hub.client import ConnectionState, Identity
from consult_assist.tui.widgets.richtext import plain
from consult_assist.tui.wording import connection_sentence

__all__ = ["ConnectionBar"]


class ConnectionBar(Static):
    """One line: who we are and whether the server connection is up."""

    DEFAULT_CSS = """
    ConnectionBar { width: auto; padding: 0 1; color: $text-muted; }
    ConnectionBar.-down { background: $warning 40%; color: $text; }
    ConnectionBar.-failed { background: $error 60%; color: $text; }
    """

    def show_state(self, state: ConnectionState | None, identity: Identity | None) -> None:
        """Show ``state`` in Japanese (the client's English detail stays in its log)."""
        sentence = connection_sentence(state, identity)
        self.remove_class("-down", "-failed")
        if state is None or state.state == "connected":
            self.update(Text.assemble(("● ", "green"), plain(sentence[2:])))
            return
        self.add_class("-down" if state.state == "disconnected" else "-failed")
        self.update(plain(sentence))
