"""The supervisor's app: the day's calls in a table, an alert feed, and one call watched live.

One :class:`CallView` per session, fed by a ``"*"`` subscription; the table, the feed and the
watch screen are drawn from those views, so an event applied twice (a resume) shows once.
Calls that ended stay in the table for the day, greyed (those that ended before the app
started are listed from the server's ``sessions``); ``s`` or a column header sorts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, OptionList

from consult_assist.errors import ConsultAssistError
from consult_assist.events import Alert, Risk, SessionEnded, SessionStarted
from consult_assist.hub.client import ConnectionState, HubClient, SessionInfo, Update
from consult_assist.labels import ROLES, end_reason_label
from consult_assist.tui.callview import CallView, FeedEntry, fold_feed
from consult_assist.tui.hub_app import HubApp
from consult_assist.tui.screens.line_input_screen import LineInputScreen
from consult_assist.tui.screens.risk_screen import RiskScreen
from consult_assist.tui.screens.watch_screen import WatchScreen
from consult_assist.tui.settings import TuiConfig
from consult_assist.tui.widgets.alert_feed import AlertFeed
from consult_assist.tui.widgets.call_panel import CallPanel
from consult_assist.tui.widgets.calls_table import SORTS, CallsTable
from consult_assist.tui.widgets.connection_bar import ConnectionBar
from consult_assist.tui.widgets.richtext import clean
from consult_assist.tui.widgets.risk_banner import URGENT, RiskBanner
from consult_assist.tui.widgets.suggestion_list import SuggestionList
from consult_assist.tui.widgets.top_bar import TopBar
from consult_assist.tui.wording import call_name, moment

__all__ = ["SupervisorApp", "make_supervisor_app"]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class SupervisorApp(HubApp):
    """The centre's calls of the day, for the supervisors on duty."""

    TITLE = f"consult-assist {ROLES['supervisor']}"
    ENABLE_COMMAND_PALETTE = False
    CSS_PATH = "supervisor.tcss"
    FOLLOW = "*"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "ヘルプ"),
        Binding("question_mark", "help", "ヘルプ", show=False),
        Binding("f2", "advice", "助言を送る"),
        Binding("f3", "ack_help", "応援受付"),
        Binding("s", "sort", "並べ替え"),
        Binding("f4", "sort_tier", "緊急度順", show=False),
        Binding("f10", "risk", "リスク"),
        Binding("ctrl+q", "quit", "終了"),
    ]
    HELP_TITLE = "スーパーバイザー画面のキー操作（F1 / ?）"
    HELP_KEYS = (
        ("F1 / ?", "このヘルプ"),
        ("↑ ↓ / Enter", "通話を選ぶ / その通話を表示（監視）"),
        ("Tab", "通話一覧と注意ワードの欄を移動（注意ワードで Enter: その通話を表示）"),
        (
            "s / 見出しをクリック",
            "通話一覧の並べ替え（通話中を上、開始、注意レベル、緊急度、対応者、応援）",
        ),
        (
            "F4",
            "通話一覧を緊急度（リスクアセスメント）の高い順に並べる"
            "（緊急度の後の ? は要確認の疑いがある通話で、同じ緊急度の中で上に並びます）",
        ),
        ("F10", "選んだ通話のリスクアセスメント（項目、根拠の発言、次に聞くこと）"),
        ("F2", "選んだ通話の対応者に助言を送る"),
        ("F3", "選んだ通話の応援要請を受ける"),
        ("F7 / End", "監視中: 文字起こしの最新の行へ"),
        ("Esc", "監視中の通話から一覧へ戻る、ダイアログを閉じる"),
        ("Ctrl+Q", "アプリを終了（通話には影響しません）"),
    )

    def __init__(self, config: TuiConfig, client: HubClient, *, clock: Clock | None = None) -> None:
        super().__init__(config, client)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.feed: list[FeedEntry] = []
        self._loaded_today = False
        self.urgent: set[str] = set()
        """Calls whose tier rose to the top while this app watched (banner and bell once)."""

    def compose(self) -> ComposeResult:
        yield TopBar("通話中 0 件", "接続しています…", id="topbar")
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
            if update.state == "connected" and not self._loaded_today:
                self._loaded_today = True
                self.load_today()
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
            for screen in self.screen_stack:
                if isinstance(screen, RiskScreen) and screen.session == view.session:
                    screen.show_risk(view.risk)
        elif isinstance(update, SessionEnded) and view.session in self.urgent:
            self._draw_banner()
        if isinstance(update, Alert):
            when = moment(view.started_at, update.start or update.at)
            name = call_name(view.handler, view.started_at, now=now)
            self.feed = fold_feed(self.feed, update, call=name, when=when)
            self._draw_feed()
            fresh = self.is_news(update.session, update.seq)
            if view.ring and self.config.bell and fresh:
                self.bell()
        watch = self.watching
        # Not mounted yet: its on_mount draws the whole view, this event included.
        if watch is not None and watch.session == view.session and watch.is_mounted:
            watch.query_one(CallPanel).show_view(view, parts)
            if "session" in parts:
                watch.show_status(now)
            if isinstance(update, SessionEnded):
                reason = end_reason_label(view.end_reason)
                self.say(f"{clean(view.handler)} さんの通話が終了しました（{reason}）")

    @work(group="today")
    async def load_today(self) -> None:
        """List the calls that ended earlier today (greyed), from the server's sessions."""
        today = self.clock().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            found = await self.client.sessions(live_only=False, since=today.isoformat())
        except ConsultAssistError as exc:
            log.info("today's calls: %s", exc)
            return
        now = self.clock()
        table = self.query_one(CallsTable)
        for info in found:
            if info.live or info.id in self.views:
                continue
            self._history[info.id] = info.last_seq  # its events are not news
            view = self.views[info.id] = _ended_view(info)
            table.show_call(view, now)
        self._count()

    def _risk_rose(self, view: CallView, risk: Risk) -> None:
        """A call reaching 緊急一時保護を検討: the banner, and the bell once per call."""
        if risk.tier != URGENT or view.session in self.urgent:
            return
        self.urgent.add(view.session)
        self._draw_banner()
        if self.config.bell and self.is_news(risk.session, risk.seq):
            self.bell()

    def _draw_banner(self) -> None:
        urgent = [v for v in self.views.values() if v.session in self.urgent]
        self.query_one(RiskBanner).show_calls(urgent)

    def action_risk(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        if view is None:
            self.say("通話を選んでください")
            return
        if not any(isinstance(s, RiskScreen) for s in self.screen_stack):
            self.push_screen(RiskScreen(view.session, view.risk))

    def action_sort_tier(self) -> None:
        table = self.query_one(CallsTable)
        table.sort_by(next(i for i, s in enumerate(SORTS) if s.column == "tier"))

    def _count(self) -> None:
        live = sum(1 for v in self.views.values() if v.started and not v.ended)
        ended = sum(1 for v in self.views.values() if v.ended)
        text = f"通話中 {live} 件・本日終了 {ended} 件"
        self.query_one(TopBar).show_status(Text(text))

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

    def action_sort(self) -> None:
        table = self.query_one(CallsTable)
        table.sort_by(table.sort_index + 1)

    # -- watching a call ---------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_call(event.row_key.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, AlertFeed) and event.option.id:
            self.open_call(event.option.id.split("#", 1)[0])

    def open_call(self, session: str) -> None:
        """Watch one call (an ended one shows what it said; its events come on subscribe)."""
        view = self.views.get(session)
        if view is None or self.watching is not None:
            return
        self.push_screen(
            WatchScreen(
                view,
                limit=self.config.max_suggestions,
                clock=self.clock,
                connection=self.connection,
                identity=self.client.identity,
            )
        )
        if not view.lines and view.ended:
            self.follow_call(session)

    @work(group="follow-call")
    async def follow_call(self, session: str) -> None:
        """Fetch an ended call's events (listed from ``sessions``, never followed)."""
        try:
            await self.client.subscribe(session)
        except ConsultAssistError as exc:
            log.info("call %s: %s", session, exc)

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
            self.say("助言を送る通話（通話中のもの）を選んでください", severity="warning")
            return

        def send(text: str | None) -> None:
            if text:
                self._request(lambda: self.client.advice(view.session, text), "助言を送りました")

        self.push_screen(
            LineInputScreen(
                f"助言 — {clean(view.handler)} さんへ",
                "対応者の画面に表示されます。入力して Enter、Esc で取消。",
                placeholder="例: 安全確認を先に。住所を聞いてください",
            ),
            send,
        )

    def action_ack_help(self) -> None:
        session = self.target
        view = self.views.get(session) if session else None
        pending = view.open_help if view and not view.ended else []
        if view is None or not pending:
            self.say("受け付ける応援要請はありません")
            return
        for h in pending:
            self._request(
                partial(self.client.ack, view.session, h.seq),
                f"{clean(view.handler)} さんの応援要請を受けました",
            )

    def on_suggestion_list_open(self, message: SuggestionList.Open) -> None:
        watch = self.watching
        view = self.views.get(watch.session) if watch else None
        title = next(
            (i.title for i in (view.suggestions if view else ()) if i.id == message.section_id),
            "マニュアル",
        )
        self.open_section(message.section_id, title)


def _ended_view(info: SessionInfo) -> CallView:
    """A call that ended before the app started, as far as the session list tells."""
    view = CallView(info.id)
    view.apply(SessionStarted(session=info.id, meta=dict(info.meta)))
    view.apply(
        SessionEnded(session=info.id, at=info.duration_s or 0.0, reason=info.end_reason or "end")
    )
    view.closed = info.closed
    return view


def make_supervisor_app(
    config: TuiConfig, client: HubClient, *, clock: Clock | None = None
) -> SupervisorApp:
    """The supervisor app over ``client``; ``clock`` (UTC now) is fixed in snapshot tests."""
    return SupervisorApp(config, client, clock=clock)
