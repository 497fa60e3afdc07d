"""The supervisor's app: every live call in a table, an alert feed, and one call watched live.

One :class:`CallView` per session, fed by a ``"*"`` subscription; the table, the feed and the
watch screen are drawn from those views, so an event applied twice (a resume) shows once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, OptionList, Static

from consult_assist.events import Alert, Risk, SessionEnded
from consult_assist.hub.client import ConnectionState, HubClient, Update
from consult_assist.labels import ROLES
from consult_assist.tui.callview import CallView, fold_feed
from consult_assist.tui.hub_app import HubApp
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.watch_screen import WatchScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.widgets.alert_feed import AlertFeed
from consult_assist.tui.widgets.call_panel import CallPanel
from consult_assist.tui.widgets.calls_table import CallsTable
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.risk_banner import URGENT, RiskBanner
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.top_bar import TopBar

__all__ = ["SupervisorApp", "make_supervisor_app"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SupervisorApp(HubApp):
    """All live calls of the centre, for the supervisors on duty."""

    TITLE = f"consult-assist {ROLES['supervisor']}"
    ENABLE_COMMAND_PALETTE = False
    CSS_PATH = "supervisor.tcss"
    FOLLOW = "*"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "advice", "助言を送る"),
        Binding("f3", "ack_help", "応援受付"),
        Binding("f4", "sort_tier", "緊急度順"),
        Binding("ctrl+q", "quit", "終了"),
    ]

    def __init__(self, config: TuiConfig, client: HubClient, *, clock: Clock | None = None) -> None:
        super().__init__(config, client)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.feed: list[tuple[int, str, Alert]] = []
        self.urgent: set[str] = set()
        """Calls whose tier rose to the top while this app watched (banner and bell once)."""

    def compose(self) -> ComposeResult:
        yield TopBar("ライブ通話 0 件 — Enter で通話を表示", "接続しています…", id="topbar")
        yield RiskBanner(id="risk-banner")
        yield CallsTable(id="calls")
        yield AlertFeed(id="feed")
        yield Footer()

    def on_mount(self) -> None:
        if self.config.flash_s > 0:
            self.set_interval(self.config.flash_s, self._flash)
        if self.config.tick_s > 0:
            self.set_interval(self.config.tick_s, self._tick)
        self.listen()

    # -- the update stream ---------------------------------------------------------------

    def apply_update(self, update: Update) -> None:
        """Apply one event or connection change; an event already applied changes nothing."""
        if isinstance(update, ConnectionState):
            self.connection = update
            self.query_one(ConnectionBar).show_state(update, self.client.identity)
            if (watch := self.watching) is not None:
                watch.show_connection(update, self.client.identity)
            return
        view = self.views.setdefault(update.session, CallView(update.session))
        parts = view.apply(update)
        if not parts:
            return
        now = self.clock()
        self.query_one(CallsTable).show_call(view, now)
        self._count()
        if isinstance(update, Risk):
            self._risk_rose(view, update)
        elif isinstance(update, SessionEnded) and view.session in self.urgent:
            self._draw_banner()
        if isinstance(update, Alert):
            self.feed = fold_feed(self.feed, view.handler, update)
            self._draw_feed()
            fresh = update.seq > self._history.get(update.session, 0)
            if view.ring and self.config.bell and fresh:
                self.bell()
        watch = self.watching
        if watch is not None and watch.session == view.session:
            watch.query_one(CallPanel).show_view(view, parts)
            if "session" in parts:
                watch.show_status(now)
            if isinstance(update, SessionEnded):
                self.notify(f"{view.handler} さんの通話が終了しました")

    def _risk_rose(self, view: CallView, risk: Risk) -> None:
        """A call reaching 緊急一時保護を検討: the banner, and the bell once per call."""
        if risk.tier != URGENT or view.session in self.urgent:
            return
        self.urgent.add(view.session)
        self._draw_banner()
        fresh = risk.seq > self._history.get(risk.session, 0)
        if self.config.bell and fresh:
            self.bell()

    def _draw_banner(self) -> None:
        urgent = [v for v in self.views.values() if v.session in self.urgent]
        self.query_one(RiskBanner).show_calls(urgent)

    def action_sort_tier(self) -> None:
        self.query_one(CallsTable).sort_by_tier()

    def _count(self) -> None:
        live = sum(1 for v in self.views.values() if v.started and not v.ended)
        self.query_one("#call-status", Static).update(f"ライブ通話 {live} 件 — Enter で通話を表示")

    def _draw_feed(self) -> None:
        self.query_one(AlertFeed).show_alerts(self.feed)

    def _flash(self) -> None:
        table = self.query_one(CallsTable)
        table.flash_on = not table.flash_on
        now = self.clock()
        for view in self.views.values():
            if view.open_help and not view.ended:
                table.show_call(view, now)

    def _tick(self) -> None:
        now = self.clock()
        table = self.query_one(CallsTable)
        for view in self.views.values():
            if view.started and not view.ended:
                table.show_call(view, now)
        if (watch := self.watching) is not None:
            watch.show_status(now)

    # -- watching a call ---------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_call(event.row_key.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, AlertFeed) and event.option.id:
            self.open_call(event.option.id.split("#", 1)[0])

    def open_call(self, session: str) -> None:
        """Watch one call."""
        view = self.views.get(session)
        if view is not None and self.watching is None:
            self.push_screen(
                WatchScreen(
                    view,
                    limit=self.config.max_suggestions,
                    clock=self.clock,
                    connection=self.connection,
                    identity=self.client.identity,
                )
            )

    @property
    def watching(self) -> WatchScreen | None:
        """The watch screen, when one is open (maybe under a dialog)."""
        return next((s for s in self.screen_stack if isinstance(s, WatchScreen)), None)

    @property
    def target(self) -> str | None:
        """The call an action applies to: the watched one, else the selected row."""
        if (watch := self.watching) is not None:
            return watch.session
        return self.query_one(CallsTable).selected

    def action_advice(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        if view is None or view.ended:
            self.notify("助言を送る通話を選んでください", severity="warning")
            return

        def send(text: str | None) -> None:
            if text:
                self._request(lambda: self.client.advice(view.session, text), "助言を送りました")

        self.push_screen(
            LineInputScreen(
                f"助言 — {view.handler} さんへ",
                "対応者の画面に表示されます。入力して Enter、Esc で取消。",
                placeholder="例: 安全確認を先に。住所を聞いてください",
            ),
            send,
        )

    def action_ack_help(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        pending = view.open_help if view else []
        if view is None or not pending:
            self.notify("受け付ける応援要請はありません")
            return
        for h in pending:
            self._request(
                partial(self.client.ack, view.session, h.seq),
                f"{view.handler} さんの応援要請を受けました",
            )

    def on_suggestion_list_open(self, message: SuggestionList.Open) -> None:
        self.open_section(message.section_id, message.section_id)


def make_supervisor_app(
    config: TuiConfig, client: HubClient, *, clock: Clock | None = None
) -> SupervisorApp:
    """The supervisor app over ``client``; ``clock`` (UTC now) is fixed in snapshot tests."""
    return SupervisorApp(config, client, clock=clock)
