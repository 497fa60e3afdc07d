"""Who we are and whether the server connection is up, in one line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from consult_assist.hub.client import ConnectionState, Identity
from consult_assist.labels import role_label

__all__ = ["ConnectionBar"]


class ConnectionBar(Static):
    """One line: who we are and whether the server connection is up."""

    DEFAULT_CSS = """
    ConnectionBar { width: auto; padding: 0 1; color: $text-muted; }
    ConnectionBar.-down { background: $warning 40%; color: $text; }
    ConnectionBar.-failed { background: $error 60%; color: $text; }
    """

    def show_state(self, state: ConnectionState | None, identity: Identity | None) -> None:
        who = f"{identity.name}（{role_label(identity.role)}）" if identity else ""
        self.remove_class("-down", "-failed")
        if state is None or state.state == "connected":
            self.update(Text.assemble(("● 接続中 ", "green"), who))
        elif state.state == "disconnected":
            self.add_class("-down")
            retry = f"{state.retry_in_s:g} 秒後に再接続します" if state.retry_in_s else "再接続中"
            self.update(f"⚠ サーバーとの接続が切れました — {retry}（{state.detail}）")
        else:
            self.add_class("-failed")
            self.update(f"✖ 接続できません: {state.detail}")
