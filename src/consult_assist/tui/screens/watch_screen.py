"""The supervisor's view of one call, as its handler sees it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from consult_assist.hub.client import ConnectionState, Identity
from consult_assist.labels import end_reason_label, kind_label
from consult_assist.tui.callview import CallView
from consult_assist.tui.widgets.call_panel import CallPanel
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.richtext import clean, duration
from consult_assist.tui.widgets.top_bar import TopBar
from consult_assist.tui.widgets.transcript_view import TranscriptView

__all__ = ["WatchScreen"]


class WatchScreen(Screen[None]):
    """One call as its handler sees it, with advice and help acknowledgement at hand.

    The app keeps drawing into it (:meth:`show_status`, :meth:`show_connection`, the
    :class:`CallPanel`); the screen itself reads nothing from the app.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "一覧へ"),
        Binding("f7", "follow", "最新へ"),
    ]

    def __init__(
        self,
        view: CallView,
        *,
        limit: int,
        clock: Callable[[], datetime],
        connection: ConnectionState | None,
        identity: Identity | None,
    ) -> None:
        super().__init__()
        self.view = view
        self.session = view.session
        self._limit = limit
        self._clock = clock
        self._connection = connection
        self._identity = identity

    def compose(self) -> ComposeResult:
        yield TopBar("", "", id="topbar")
        yield CallPanel(limit=self._limit, id="call")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CallPanel).show_view(self.view)
        self.show_status(self._clock())
        self.show_connection(self._connection, self._identity)
        self.query_one(TranscriptView).focus()

    def show_status(self, now: datetime) -> None:
        """Redraw the status line (who, kind, how long) for ``now``."""
        view = self.view
        kind = kind_label(view.training)
        state = (
            f"通話終了（{end_reason_label(view.end_reason)}）"
            if view.ended
            else duration(view.started_at, now)
        )
        text = f"監視中: {clean(view.handler) or '?'} ・ {kind} ・ {state}"
        self.query_one("#call-status", Static).update(Text(text))

    def show_connection(self, state: ConnectionState | None, identity: Identity | None) -> None:
        """Redraw the connection line."""
        self._connection, self._identity = state, identity
        self.query_one(ConnectionBar).show_state(state, identity)

    def action_follow(self) -> None:
        self.query_one(TranscriptView).follow()
